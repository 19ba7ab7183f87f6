// The participant page (/): join with the code, answer with large buttons in the options' colours,
// guess the room and give a reason, read a private role, and see the result as the projector does.
import { el } from './dom.js';
import { st, t, minGroup, send, isOpen, render, remainingMs, countdown, discussion, shownReason, start } from './page.js';
import { result } from './result.js';

function live(s, notice) {
  if (s.phase === 'ended') return [el('p', { class: 'statement', text: t().ended }), notice];
  if (!s.item) return [lobby(s), notice];
  return [el('p', { class: 'muted', text: t().of(s.index + 1, s.count) }), item(s, s.item), notice];
}

// Before the first statement: where you are, how many are here, and that nothing is right or wrong.
function lobby(s) {
  return el('section', { class: 'lobby-phone' },
    el('p', { class: 'statement', text: t().welcome }),
    el('p', { class: 'count', text: t().participants(s.participants) }),
    el('p', { class: 'muted', text: t().noRight }));
}

function item(s, it) {
  const out = [];
  const left = remainingMs();
  const playing = left !== null && left > 0;
  // Once a sketch's statement is open the vote comes first; the scene folds away under it.
  if (it.kind === 'sketch' && it.statement && !playing && s.phase !== 'scene') return afterScene(s, it);
  if (it.kind === 'sketch') {
    out.push(el('h2', { text: it.title || '' }));
    const card = st.card && st.card.item === it.id ? st.card : null;
    if (card) {
      out.push(el('section', { class: 'card private', 'aria-label': t().yourRole + ' ' + card.role },
        el('h3', { text: t().yourRole + ' ' + card.role }), el('p', { text: card.briefing }), el('p', { class: 'muted', text: t().onlyYou })));
    } else {
      out.push(el('p', { class: 'muted', text: t().audience }));
    }
    out.push(el('div', { class: 'card' }, el('p', { text: it.situation || '' })));
    if (left !== null) out.push(countdown(left));
    // The scene is over (its time is up, or the facilitator opened its statement early): discuss.
    const over = left === 0 || (left === null && s.phase !== 'scene');
    if (over) out.push(discussion(it, false));
  }
  if (it.kind === 'question') {
    out.push(el('p', { class: 'statement', text: it.statement || '' }), el('p', { class: 'muted', text: t().openQuestion }));
  } else if (it.statement && !playing && s.phase !== 'scene') {
    out.push(el('p', { class: 'statement', text: it.statement }));
    out.push(answers(s, it));
  } else if (!playing && (it.kind === 'dilemma' || s.phase === 'closed')) {
    out.push(el('p', { class: 'muted', text: t().wait }));
  }
  out.push(shownReason(it));
  return out;
}

// A sketch after its scene: the statement and its answers (or result), the questions to discuss,
// and the situation and one's own role folded.
function afterScene(s, it) {
  const card = st.card && st.card.item === it.id ? st.card : null;
  return [
    el('h2', { text: it.title || '' }),
    remainingMs() === 0 ? el('p', { class: 'time-up', text: t().timeUp }) : null,
    el('p', { class: 'statement', text: it.statement }),
    answers(s, it),
    discussion(it, false),
    el('details', { class: 'card' }, el('summary', { text: t().theScene }),
      card ? el('p', { text: t().yourRole + ' ' + card.role + ': ' + card.briefing }) : null,
      el('p', { text: it.situation || '' })),
    shownReason(it)
  ];
}

function answers(s, it) {
  const chosen = st.pending && st.pending.item === it.id ? st.pending.option : st.mine[it.id];
  if (s.phase === 'revealed') {
    const tally = st.tally && st.tally.item === it.id ? st.tally : null;
    if (!tally) return el('p', { class: 'muted', text: t().wait });
    const r = result(it, tally, t(), minGroup(), chosen);
    return [r.main, r.side];
  }
  if (s.phase !== 'open' && s.phase !== 'closed') return el('p', { class: 'statement muted', text: t().answers(s.answered) });
  const open = s.phase === 'open' && isOpen();
  const buttons = it.options.map((o, i) => el('button', {
    type: 'button', class: 'option', 'data-o': i % 6 + 1, 'data-key': 'opt-' + o.id, 'aria-pressed': String(chosen === o.id), disabled: !open,
    onclick: () => answer(it.id, o.id)
  }, el('span', { class: 'tick', 'aria-hidden': 'true' }, chosen === o.id ? '✓' : String(i + 1)), el('span', { text: o.label })));
  const saved = !st.pending && st.mine[it.id];
  const note = s.phase === 'closed' ? t().closed : st.pending ? t().saving : saved ? t().saved : t().choose;
  // A short, calm sign when the answer just got saved (still when the system asks for less motion).
  const fresh = saved && st.savedFor === it.id + ':' + st.mine[it.id];
  return [el('div', { role: 'group', 'aria-label': it.statement }, buttons),
    el('p', { class: 'muted' + (fresh ? ' just-saved' : ''), id: 'answer-note', role: 'status', text: note }),
    open && st.mine[it.id] ? extras(it) : null];
}

function answer(item, option) {
  if (st.session.phase !== 'open') return;
  const current = st.pending ? st.pending.option : st.mine[item];
  if (current === option) return;
  if (!send({ type: 'answer', item, option })) return;
  st.pending = { item, option };
  st.notice = null;
  render();
}

// After answering: a guess of the room's result and a reason, when the item asks for them.
function extras(it) {
  const g = st.guesses[it.id];
  const r = st.reasons[it.id];
  const draft = st.guess && st.guess[0] === it.id ? st.guess[1] : (g === undefined ? 50 : g);
  // Typing and sliding keep the page's own markup up to date, so a redraw in between leaves the field alone.
  const guess = it.predict ? el('form', { class: 'extra', onsubmit: e => { e.preventDefault(); send({ type: 'predict', item: it.id, percent: Number(e.target.guess.value) }); } },
    el('label', { for: 'guess', text: t().guessQ(it.options[0].label) }),
    el('div', { class: 'row' },
      el('input', { id: 'guess', 'data-key': 'guess-in', type: 'range', min: 0, max: 100, step: 5, value: draft, oninput: e => {
        const v = e.target.value;
        st.guess = [it.id, Number(v)];
        e.target.setAttribute('value', v);
        e.target.form.querySelector('output').textContent = v + '%';
        e.target.form.guessSend.toggleAttribute('disabled', g === Number(v));
      } }),
      el('output', { for: 'guess', text: draft + '%' })),
    el('button', { type: 'submit', name: 'guessSend', 'data-key': 'guess', disabled: g === draft, text: t().guessSend }),
    g === undefined ? null : el('p', { class: 'muted', role: 'status', text: t().guessSaved(g) })) : null;
  const reason = it.reasons ? el('form', { class: 'extra', onsubmit: e => { e.preventDefault(); if (st.draft.trim() && send({ type: 'reason', item: it.id, text: st.draft })) { st.draft = ''; render(); } } },
    el('label', { for: 'reason', text: t().reasonQ }),
    r ? el('p', { role: 'status', text: t().reasonSaved + ' “' + r + '”' }) : null,
    el('input', { id: 'reason', 'data-key': 'reason-in', maxlength: 200, value: st.draft, 'aria-describedby': 'reason-hint', oninput: e => { st.draft = e.target.value; e.target.setAttribute('value', st.draft); } }),
    el('p', { id: 'reason-hint', class: 'muted', text: t().reasonHint }),
    el('button', { type: 'submit', 'data-key': 'reason', text: t().reasonSend }),
    r ? el('button', { type: 'button', 'data-key': 'unreason', text: t().reasonDrop, onclick: () => send({ type: 'drop_reason', item: it.id }) }) : null) : null;
  return [guess, reason];
}

// Number keys answer, as on the desktop client: 1 is the first option.
document.addEventListener('keydown', e => {
  if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA)$/.test(/** @type {HTMLElement} */ (e.target).tagName)) return;
  const s = st.session;
  const n = Number(e.key);
  if (!s || !s.item || !s.item.options || !(n >= 1 && n <= s.item.options.length)) return;
  const b = /** @type {HTMLButtonElement|null} */ (document.querySelector('[data-key="opt-' + s.item.options[n - 1].id + '"]'));
  if (b && !b.disabled) { e.preventDefault(); b.click(); b.focus(); }
});

start({ live, team: true, drawn: null });
