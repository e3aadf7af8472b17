import { html, type Html } from '../html';
import { csrfField, field, notice, page, type PageContext } from '../layout';

// Signing in: the bearer token pasted once, or a one-time link from the administrator. The link
// opens a page with a button, so a mail scanner that follows the link does not use it up.

export function signInPage(ctx: PageContext, o: { back: string; link?: string; error?: string; status?: number }): Html {
  const { say } = ctx;
  const body = o.link
    ? html`${o.error ? notice('error', o.error) : ''}
<p>${say('这是一次性登录链接,点击下方按钮登录。', 'This is a one-time sign-in link; press the button to sign in.')}</p>
<form method="post" action="/console/sign-in">${csrfField(ctx)}
  <input type="hidden" name="link" value="${o.link}"><input type="hidden" name="back" value="${o.back}">
  <button type="submit">${say('登录', 'Sign in')}</button>
</form>`
    : html`${o.error ? notice('error', o.error) : ''}
<p>${say('请粘贴管理员发给您的令牌。登录后令牌不再需要,浏览器只保存一个会话。', 'Paste the token your administrator gave you. After signing in the browser keeps a session only, not the token.')}</p>
<form method="post" action="/console/sign-in" novalidate>${csrfField(ctx)}
  <input type="hidden" name="back" value="${o.back}">
  ${field({ name: 'token', label: say('令牌', 'Token'), type: 'password', required: true, error: o.error ? say('令牌无效、已过期或已撤销。', 'The token is invalid, expired or revoked.') : undefined, attrs: html`autocomplete="off"` })}
  <button type="submit">${say('登录', 'Sign in')}</button>
</form>`;
  return page(ctx, say('登录', 'Sign in'), body);
}
