import { html, type Html, type Part } from './html';
import type { Lang, Say } from './i18n';

// Every page: one column that fits a phone, a wider board at 1366×768; the language switch and
// sign-out in the header; htmx (served from node_modules, never a CDN) for the live parts.

export interface PageContext {
  lang: Lang;
  say: Say;
  /** The form token of the session, or of the visitor's pre-session cookie. */
  csrf: string;
  /** The path and query of this page, for the language switch to come back to. */
  here: string;
  signedIn?: { subject: string };
}

export function page(ctx: PageContext, title: string, body: Part, options: { wide?: boolean } = {}): Html {
  const { say, lang } = ctx;
  const other = lang === 'en' ? { to: 'zh-CN', label: '中文' } : { to: 'en', label: 'English' };
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<title>${title} · ${say('活动管理台', 'Campaign console')}</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/htmx.min.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/console">${say('送温暖 · 活动管理台', 'Relief campaigns console')}</a>
  <nav aria-label="${say('账户', 'Account')}">
    <a href="/console/lang?to=${other.to}&amp;back=${encodeURIComponent(ctx.here)}" lang="${other.to}">${other.label}</a>
    ${ctx.signedIn
      ? html`<span class="who">${ctx.signedIn.subject}</span>
    <form method="post" action="/console/sign-out" class="inline">${csrfField(ctx)}<button type="submit" class="link">${say('退出', 'Sign out')}</button></form>`
      : ''}
  </nav>
</header>
<main class="${options.wide ? 'wide' : 'narrow'}">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export const csrfField = (ctx: Pick<PageContext, 'csrf'>): Html => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/** A form's own key, so a double click is one request. */
export const keyField = (key: string): Html => html`<input type="hidden" name="_key" value="${key}">`;

/** A message above a form: what went wrong (role=alert, so a screen reader says it) or what was done. */
export const notice = (kind: 'error' | 'done' | 'info', text: Part): Html =>
  html`<div class="notice ${kind}" ${kind === 'error' ? html`role="alert"` : html`role="status"`}>${text}</div>`;

/** A labelled input; its error, when it has one, said next to it and tied to it for assistive technology. */
export function field(o: { name: string; label: string; value?: string; error?: string; type?: string; required?: boolean; textarea?: boolean; hint?: string; attrs?: Html }): Html {
  const id = `f-${o.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const described = [o.error ? `${id}-error` : '', o.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${o.name}" ${o.required ? html`required` : ''} ${o.error ? html`aria-invalid="true"` : ''} ${described ? html`aria-describedby="${described}"` : ''} ${o.attrs ?? ''}`;
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}</label>
  ${o.hint ? html`<div class="hint" id="${id}-hint">${o.hint}</div>` : ''}
  ${o.textarea ? html`<textarea ${common} rows="4">${o.value ?? ''}</textarea>` : html`<input ${common} type="${o.type ?? 'text'}" value="${o.value ?? ''}">`}
  ${o.error ? html`<div class="error" id="${id}-error">${o.error}</div>` : ''}
</div>`;
}
