import type { Request } from 'express';
import { localDateTime } from '../domain/calendar/time-zone';
import type { PhaseName } from '../domain/plan';

// Simplified Chinese first; English when the visitor chose it (the lang cookie) or asked for it
// (Accept-Language prefers en over zh). Texts sit where they are used, both languages side by side.

export type Lang = 'zh-CN' | 'en';
export const LANG_COOKIE = 'console_lang';

export function pickLang(req: Request, cookies: Record<string, string>): Lang {
  const chosen = cookies[LANG_COOKIE];
  if (chosen === 'en' || chosen === 'zh-CN') return chosen;
  const accepted = (req.get('accept-language') ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
      return { tag: tag ?? '', q: Number.isNaN(q) ? 0 : q };
    })
    .filter((a) => a.tag.startsWith('en') || a.tag.startsWith('zh'))
    .sort((a, b) => b.q - a.q);
  return accepted[0]?.tag.startsWith('en') ? 'en' : 'zh-CN';
}

/** A text in the visitor's language: say('开始', 'Start'). */
export type Say = (zh: string, en: string) => string;
export const sayer = (lang: Lang): Say => (zh, en) => (lang === 'en' ? en : zh);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant as offices write it, in the campaign's time zone: 2月12日 17:00 (12 Feb 17:00). */
export function localTime(iso: string | undefined, timeZone: string, lang: Lang): string {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const at = localDateTime(ms, timeZone);
  const clock = `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`;
  return lang === 'en' ? `${at.day} ${MONTHS[at.month - 1]} ${at.year} ${clock}` : `${at.year}年${at.month}月${at.day}日 ${clock}`;
}

/** The value a datetime-local input shows for an instant, in the campaign's time zone. */
export function localInputValue(iso: string, timeZone: string): string {
  const at = localDateTime(Date.parse(iso), timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${at.year}-${p(at.month)}-${p(at.day)}T${p(at.hour)}:${p(at.minute)}`;
}

/** Time left until an instant, in days, hours and minutes; "已过" once it has passed. */
export function timeLeft(iso: string, now: number, say: Say): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return say('已截止', 'passed');
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return say(`剩 ${days} 天 ${hours} 小时`, `${days} d ${hours} h left`);
  if (hours > 0) return say(`剩 ${hours} 小时 ${mins} 分钟`, `${hours} h ${mins} min left`);
  return say(`剩 ${Math.max(mins, 1)} 分钟`, `${Math.max(mins, 1)} min left`);
}

export const phaseName = (phase: PhaseName, say: Say): string =>
  ({ preparation: say('准备阶段', 'Preparation'), publicity: say('宣传阶段', 'Publicity'), visiting: say('慰问阶段', 'Visiting'), summary: say('总结阶段', 'Summary') })[phase];

export const STATUS_WORDS: Record<string, [string, string]> = {
  scheduled: ['未开始', 'scheduled'],
  open: ['待报送', 'open'],
  submitted: ['待审核', 'awaiting review'],
  rejected: ['已退回', 'rejected'],
  approved: ['已通过', 'approved'],
  forfeited: ['逾期放弃', 'forfeited'],
  cancelled: ['已取消', 'cancelled'],
  'not-started': ['未开始', 'not started'],
  'not-taking-part': ['已退出', 'not taking part'],
  pending: ['未开始', 'pending'],
  running: ['进行中', 'running'],
  'awaiting-sign-off': ['待签批', 'awaiting sign-off'],
  completed: ['已完成', 'completed'],
};
export const statusName = (status: string | undefined, say: Say): string => {
  const words = status ? STATUS_WORDS[status] : undefined;
  return words ? say(...words) : (status ?? '—');
};
