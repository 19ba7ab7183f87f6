// The facilitator's start screen on a server with accounts: "my sessions" (the ones this member of
// staff began or had handed to them, on any device they sign in on; every session for an
// operator), leading one from here, a follow-up of one, handing one to a colleague, and the
// operators' audit log.
import { ask } from './client.js';
import { el } from './dom.js';
import { t, render } from './page.js';

// list: null (not asked), 'loading', 'offline', or the sessions; names: what is typed per code.
// open: the codes whose sharing part is unfolded (kept through a redraw).
// purge: the days typed, whether it is being confirmed, and what came of it.
const mine = { list: null, names: {}, open: {}, area: null, notice: null, log: null, purge: { days: '365', sure: false, said: null } };

function load(all) {
  mine.list = 'loading';
  ask(all ? { type: 'my_sessions', all: true } : { type: 'my_sessions' }).then(m => {
    mine.list = m && m.type === 'my_sessions' ? m.sessions : 'offline';
    mine.notice = m && m.type === 'error' ? m.message : null;
    mine.area = mine.notice ? 'list' : null;
    render();
  });
}

// Forgets the list (signed out, or signed in as someone else): asked again when it is drawn.
export function forgetMine() {
  mine.list = null; mine.log = null;
}

// The ended sessions of the list, for the follow-up choice: [{code, title, date}].
export function endedMine() {
  return Array.isArray(mine.list) ? mine.list.filter(s => s.phase === 'ended').map(s => ({ code: s.code, title: s.title, date: s.date })) : [];
}

function share(s, name, remove) {
  mine.area = 'share-' + s.code; mine.notice = null;
  if (!name.trim()) { mine.notice = t().empty; render(); return; }
  ask({ type: 'share', code: s.code, name, remove }).then(m => {
    if (m && m.type === 'shared') { s.shared = m.shared; if (!remove) mine.names[s.code] = ''; mine.notice = null; }
    else mine.notice = m && m.type === 'error' ? m.message : t().offline;
    render();
  });
}

const noticeAt = area => (mine.notice && mine.area === area ? el('p', { id: 'notice-' + area, class: 'notice', role: 'alert', text: mine.notice }) : null);

// One of the creator's sessions: to whom it is handed, and a field to hand it to one more colleague,
// folded away until asked for (or while it is shared).
function shareForm(s) {
  const id = 'share-' + s.code;
  const wrong = mine.notice && mine.area === id;
  const open = mine.open[s.code] || wrong || (s.shared || []).length > 0;
  return el('details', { class: 'share', open, ontoggle: e => { mine.open[s.code] = e.target.open; } },
    el('summary', { 'data-key': 'share-open-' + s.code, text: t().shareWith(s.code) }),
    el('form', { onsubmit: e => { e.preventDefault(); share(s, mine.names[s.code] || '', false); }, novalidate: true },
    (s.shared || []).length ? el('ul', { class: 'shared' }, s.shared.map(n => el('li', null, el('span', { text: t().sharedWith(n) + ' ' }),
      el('button', { type: 'button', class: 'small quiet', 'data-key': 'unshare-' + s.code, onclick: () => share(s, n, true), text: t().unshare(n) })))) : null,
    el('label', { for: id, text: t().shareName }),
    el('p', { id: id + '-hint', class: 'muted', text: t().shareHint }),
    el('input', { id, 'data-key': id, type: 'text', autocomplete: 'off', maxlength: 200, value: mine.names[s.code] || '',
      'aria-describedby': [id + '-hint', wrong ? 'notice-' + id : null].filter(Boolean).join(' '), 'aria-invalid': wrong ? 'true' : null,
      oninput: e => { mine.names[s.code] = e.target.value; } }),
    el('button', { type: 'submit', class: 'small', 'data-key': 'share-button-' + s.code, text: t().share }),
    noticeAt(id)));
}

// The card: each session with what can be done with it from here (`lead` and `follow` it); `who`
// is the signed-in member of staff (an operator's card has every session).
export function mineCard(who, lead, follow) {
  if (!who) return null;
  const all = who.role === 'operator';
  if (mine.list === null) load(all);
  const list = mine.list;
  const body = list === 'loading' || list === null ? el('p', { class: 'muted', text: t().mineLoading })
    : list === 'offline' ? [noticeAt('list') || el('p', { class: 'notice', text: t().offline }),
      el('button', { type: 'button', 'data-key': 'mine-retry', onclick: () => { mine.list = null; render(); }, text: t().retry })]
    : !list.length ? el('p', { class: 'muted', text: t().mineNone })
    : el('ul', { class: 'mine-list' }, list.map(s => el('li', { 'data-code': s.code },
      el('p', null, el('strong', { class: 'mono', text: s.code }), ' ', el('span', { text: s.title })),
      el('p', { class: 'muted', text: [t().day(s.date), t().phase[s.phase] || s.phase, t().players(s.players)].concat(s.own ? [] : [t().fromColleague]).join(' · ') }),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'small', 'data-key': 'lead-' + s.code, onclick: () => lead(s.code), text: s.phase === 'ended' ? t().openIt(s.code) : t().leadIt(s.code) }),
        s.phase === 'ended' ? el('button', { type: 'button', class: 'small quiet', 'data-key': 'follow-' + s.code, onclick: () => follow(s.code), text: t().followIt(s.code) }) : null),
      s.own ? shareForm(s) : null)));
  return el('section', { class: 'card mine', 'aria-labelledby': 'mine-h' }, el('h2', { id: 'mine-h', text: all ? t().allSessions : t().mine }), body);
}

// The operators' audit log, newest first, when asked for.
export function auditCard(who) {
  if (!who || who.role !== 'operator') return null;
  const show = () => {
    mine.log = 'loading'; render();
    ask({ type: 'audit' }).then(m => {
      mine.log = m && m.type === 'audit' ? m.entries.slice().reverse() : { error: m && m.type === 'error' ? m.message : t().offline };
      render();
    });
  };
  const log = mine.log;
  const body = log === null ? el('button', { type: 'button', class: 'small', 'data-key': 'audit-show', onclick: show, text: t().auditShow })
    : log === 'loading' ? el('p', { class: 'muted', text: t().auditLoading })
    : !Array.isArray(log) ? el('p', { class: 'notice', role: 'alert', text: log.error })
    : !log.length ? el('p', { class: 'muted', text: t().auditNone })
    : el('table', { class: 'audit' },
      el('caption', { class: 'sr-only', text: t().audit }),
      el('thead', null, el('tr', null, t().auditColumns.map(c => el('th', { scope: 'col', text: c })))),
      el('tbody', null, log.map(e => el('tr', null, el('td', { text: e.at }), el('td', { text: e.who }),
        el('td', { text: t().actions[e.action] || e.action }), el('td', { text: e.what }), el('td', { text: e.client })))));
  return el('section', { class: 'card audit-log', 'aria-labelledby': 'audit-h' }, el('h2', { id: 'audit-h', text: t().audit }), body);
}

// An operator deletes old ended sessions (as `session-server sessions purge`), after a second click.
export function purgeCard(who) {
  if (!who || who.role !== 'operator') return null;
  const p = mine.purge;
  const days = Number(p.days);
  const valid = Number.isInteger(days) && days >= 1 && days <= 36500;
  const go = () => {
    p.sure = false; p.said = t().purging; render();
    ask({ type: 'purge', older_than_days: days }).then(m => {
      p.said = m && m.type === 'purged' ? t().purged(m.sessions, m.older_than_days) : m && m.type === 'error' ? m.message : t().offline;
      if (m && m.type === 'purged') { mine.list = null; mine.log = null; }
      render();
    });
  };
  return el('section', { class: 'card purge', 'aria-labelledby': 'purge-h' }, el('h2', { id: 'purge-h', text: t().purgeH }),
    el('label', { for: 'purge-days', text: t().purgeDays }),
    el('p', { id: 'purge-hint', class: 'muted', text: t().purgeHint }),
    el('input', { id: 'purge-days', 'data-key': 'purge-days', type: 'number', min: 1, max: 36500, inputmode: 'numeric', value: p.days,
      'aria-describedby': 'purge-hint', oninput: e => { p.days = e.target.value; p.sure = false; } }),
    p.sure ? el('div', { role: 'alertdialog', 'aria-labelledby': 'purge-q', class: 'end' },
      el('p', { id: 'purge-q', text: t().purgeSure(days) }),
      el('button', { type: 'button', 'data-key': 'purge-yes', onclick: go, text: t().purgeYes }), ' ',
      el('button', { type: 'button', class: 'quiet', 'data-key': 'purge-no', onclick: () => { p.sure = false; render(); }, text: t().endNo }))
      : el('button', { type: 'button', 'data-key': 'purge', onclick: () => { if (valid) { p.sure = true; p.said = null; } else p.said = t().purgeBad; render(); }, text: t().purge }),
    el('p', { role: 'status', 'data-key': 'purge-said', text: p.said || '' }));
}
