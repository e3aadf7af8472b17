// The console's one stylesheet, a module rather than a file so the build (tsc to dist/) carries it.
export const CONSOLE_CSS = `/* One stylesheet, no framework: system fonts with the CJK ones offices have, high contrast. */
:root { --ink: #1b1b1b; --muted: #4a4a4a; --line: #c8c8c8; --accent: #a4161a; --link: #0b4f9c; --bg: #fafaf7;
  --open: #fff3bf; --submitted: #cfe2ff; --approved: #c3e6cb; --rejected: #f5c2c7; --forfeited: #6c757d; --scheduled: #eeeeee; --cancelled: #d6d6d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--link); }
header.top { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .5rem 1rem; background: var(--accent); color: #fff; flex-wrap: wrap; }
header.top a, header.top .link { color: #fff; }
header.top nav { display: flex; gap: 1rem; align-items: center; }
.brand { font-weight: 700; text-decoration: none; }
main { padding: 1rem; margin: 0 auto; }
main.narrow { max-width: 46rem; }
main.wide { max-width: 84rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
form.inline { display: inline; }
button, .button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; padding: 0; text-decoration: underline; }
.field { margin: 0 0 1rem; }
.field label { display: block; font-weight: 600; }
.field input[type=text], .field input[type=password], .field input[type=number], .field input[type=datetime-local], .field input:not([type]), .field textarea, .field select { width: 100%; padding: .4rem; font: inherit; border: 1px solid #767676; border-radius: 4px; background: #fff; }
.field.has-error input, .field.has-error textarea { border: 2px solid var(--accent); }
.error { color: var(--accent); font-weight: 600; }
.hint { color: var(--muted); font-size: .9rem; }
.notice { padding: .6rem .9rem; border-radius: 4px; margin: 0 0 1rem; }
.notice.error { background: #fbe4e4; border: 1px solid var(--accent); }
.notice.done { background: #e3f4e6; border: 1px solid #2e7d32; }
.notice.info { background: #eef3fb; border: 1px solid var(--link); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; background: #fff; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0efe9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.board { display: grid; gap: 2px; margin: .5rem 0 1rem; }
.board .cell { padding: .3rem .4rem; font-size: .85rem; border-radius: 2px; }
.board .head { font-weight: 700; background: #f0efe9; }
.st-open { background: var(--open); } .st-submitted { background: var(--submitted); } .st-approved { background: var(--approved); }
.st-rejected { background: var(--rejected); } .st-forfeited { background: var(--forfeited); color: #fff; } .st-scheduled, .st-not-started, .st-pending { background: var(--scheduled); }
.st-cancelled, .st-not-taking-part { background: var(--cancelled); }
.legend { display: flex; gap: .75rem; flex-wrap: wrap; font-size: .85rem; padding: 0; list-style: none; }
.legend li { padding: .1rem .5rem; border-radius: 2px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .75rem 1rem; }
.plan-text { font-family: ui-monospace, "Noto Sans Mono CJK SC", monospace; font-size: .85rem; white-space: pre; background: #fff; border: 1px solid var(--line); overflow-x: auto; padding: 0; margin: 0; }
.plan-text .bad { background: #fbe4e4; }
.plan-text .ln { display: inline-block; width: 3.5rem; color: var(--muted); text-align: right; padding-right: .5rem; user-select: none; }
svg text { font-size: 12px; fill: var(--ink); }
.chart { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
ul.plain { padding-left: 1.2rem; }
@media (max-width: 600px) { main { padding: .75rem; } h1 { font-size: 1.3rem; } th, td { padding: .25rem .3rem; font-size: .9rem; } }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
fieldset { border: 1px solid var(--line); padding: .5rem; margin: 0 0 1rem; }
.phases { display: grid; grid-template-columns: 1fr; gap: 1rem; }
@media (min-width: 1000px) { .phases { grid-template-columns: 1fr 1fr; } }
`;
