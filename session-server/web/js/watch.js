// The projector page (/watch): the room's screen as a 16:9 stage that never scrolls. The lobby with a
// big code and QR code, the statement and how many answered, one big result chart, a sketch with its
// countdown, the discussion questions and the agreements; and, while people can still join, a corner
// with the code and a small QR code in every state.
import { el } from './dom.js';
import { st, t, minGroup, remainingMs, countdown, discussion, shownReason, start } from './page.js';
import { result } from './result.js';
import { layout } from './stage.js';

const root = document.documentElement;

// Every state is a head (what it is about, beside the corner) and a body that fills the rest of the
// screen; the stage (stage.js) fits the body's text to it.
function live(s, notice) {
  if (s.phase === 'ended') return ended(notice);
  if (!s.item) return [el('div', { class: 'body', 'data-region': '' }, lobby(s)), notice];
  const { head, body } = item(s, s.item);
  return [
    corner(s),
    el('div', { class: 'head' }, el('p', { class: 'where', text: t().of(s.index + 1, s.count) }), head),
    el('div', { class: 'body', 'data-region': '' }, body),
    notice
  ];
}

// Where phones join the session with this code, and that address as a QR code of this size.
function joinAddress(code) {
  return root.dataset.join + '/?code=' + code;
}
function qr(code, size) {
  return el('img', { src: '/qr.svg?code=' + encodeURIComponent(code), alt: t().qr + ': ' + joinAddress(code), width: size, height: size });
}

function lobby(s) {
  return el('section', { class: 'join' }, qr(s.code, 256),
    el('div', { class: 'join-text' },
      el('p', { text: t().joinAt }),
      el('p', { class: 'address', text: root.dataset.join.replace(/^https?:[/][/]/, '') }),
      el('p', { text: t().andCode }),
      el('p', { class: 'code', text: s.code }),
      el('p', { class: 'count', text: t().participants(s.participants) }),
      root.dataset.loopback === 'true' ? el('p', { class: 'notice', text: t().loopback }) : null));
}

// While a statement or sketch is on screen: the code and a small QR code in the top corner (beside
// the text, never over a result), so that whoever comes in late can still join.
function corner(s) {
  return el('aside', { class: 'corner', 'aria-label': t().joinAt }, qr(s.code, 96), el('p', { class: 'code', text: s.code }));
}

// A list shown a page at a time when it does not fit (see stage.js).
function pagedList(tag, cls, items) {
  return el(tag, { class: cls, 'data-pages': t().pageOf('{i}', '{n}') }, items);
}

function ended(notice) {
  const agreements = st.agreements || [];
  return [
    el('div', { class: 'head' }, el('p', { class: 'statement', text: t().endedWatch })),
    el('div', { class: 'body', 'data-region': '' }, agreements.length
      ? [el('h2', { text: t().agreements }), pagedList('ol', 'agreements', agreements.map(a => el('li', { value: a.number, text: a.text })))]
      : null),
    notice
  ];
}

function item(s, it) {
  const left = remainingMs();
  const playing = left !== null && left > 0;
  if (it.kind === 'sketch' && (s.phase === 'scene' || playing || !it.statement)) return sketch(s, it, left);
  if (it.kind === 'question') return { head: el('p', { class: 'statement', text: it.statement || '' }), body: [el('p', { class: 'muted', text: t().openQuestion }), shownReason(it)] };
  if (s.phase === 'revealed') return revealed(it);
  const meter = el('div', { class: 'meter', 'aria-hidden': 'true' }, el('span'));
  meter.firstChild.style.width = (s.participants ? Math.min(100, Math.round(100 * s.answered / s.participants)) : 0) + '%';
  // After a sketch's scene its discussion questions stay on screen under its statement.
  const questions = it.kind === 'sketch' ? discussion(it, true) : [];
  return {
    head: [it.kind === 'sketch' ? el('h2', { text: it.title || '' }) : null, el('p', { class: 'statement', text: it.statement || '' })],
    body: [
      // What the room chooses between, with the numbers and colours the result will have.
      it.options && it.options.length ? el('ol', { class: 'choices' }, it.options.map((o, i) => el('li', { 'data-o': i % 6 + 1 }, el('span', { class: 'num', 'aria-hidden': 'true', text: String(i + 1) }), el('span', { text: o.label })))) : null,
      el('div', { class: 'progress' }, el('p', { class: 'answered', text: t().answeredOf(s.answered, s.participants) }), meter),
      s.phase === 'closed' ? el('p', { class: 'muted', text: t().closed }) : null,
      left === 0 ? el('p', { class: 'time-up', text: t().timeUp }) : null,
      questions.length ? el('div', { class: 'card', 'data-region': '' }, questions) : null,
      shownReason(it)
    ]
  };
}

function sketch(s, it, left) {
  const over = left === 0 || (left === null && s.phase !== 'scene');
  return {
    head: el('h2', { text: it.title || '' }),
    body: el('div', { class: 'scene' },
      el('div', { class: 'card situation', 'data-region': '' }, el('p', { text: it.situation || '' }), over ? discussion(it, true) : []),
      left !== null ? el('div', { class: 'clock' }, countdown(left)) : null)
  };
}

// One big chart; beside it the room's guess, a reason put on screen and the teams.
function revealed(it) {
  // A sketch's result still says which sketch it was.
  const head = [it.kind === 'sketch' ? el('h2', { text: it.title || '' }) : null, el('p', { class: 'statement small', text: it.statement || '' })];
  const tally = st.tally && st.tally.item === it.id ? st.tally : null;
  if (!tally) return { head, body: el('p', { class: 'muted', text: t().wait }) };
  const r = result(it, tally, t(), minGroup(), null);
  // A sketch's discussion questions stay beside its result (in parts, when they do not fit).
  const questions = it.kind === 'sketch' ? discussion(it, true) : [];
  const side = [
    shownReason(it),
    questions.length ? el('section', { class: 'sketch-questions' }, questions) : null,
    r.side[0],
    r.side[1] ? el('section', { class: 'team-results' }, r.side[1]) : null
  ].filter(Boolean);
  return {
    head,
    body: el('div', { class: side.length ? 'reveal two' : 'reveal' },
      el('div', { class: 'chart', 'data-region': '' }, r.main),
      side.length ? el('div', { class: 'side', 'data-region': '' }, el('div', { class: 'blocks', 'data-pages': t().pageOf('{i}', '{n}') }, side)) : null)
  };
}

start({ live, team: false, drawn: layout });
