// What the participant and projector pages share: their state, the join form, the messages of the
// connection, every refusal as a sentence, the countdown and what is said aloud. Each page draws
// its own live session (`start` takes how).
import { connection } from './client.js';
import { el, clock, say } from './dom.js';
import { thoughtText } from './result.js';
import nl from './nl.js';

export const PAGE = document.body.dataset.page;
// Dutch comes with the page; English is fetched when a page needs it (most phones never do).
const TEXT = { nl };
const root = document.documentElement;
const view = document.getElementById('view');
const statusLine = document.getElementById('status');
const CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/;

// The page speaks the server's language (Dutch, or the language of the session in the join
// link), unless the person chose the other one with the switch: that choice is kept.
const chosenLang = (() => { try { return localStorage.getItem('dilemma-lang'); } catch (e) { return null; } })();
const params = new URLSearchParams(location.search);
// A washed-out projector can be set to the high-contrast theme with ?contrast=high in its address.
if (/^(high|hoog)$/.test(params.get('contrast') || '')) root.dataset.contrast = 'high';

export const st = {
  lang: chosenLang === 'nl' || chosenLang === 'en' ? chosenLang : (root.dataset.lang === 'en' ? 'en' : 'nl'),
  langChosen: chosenLang === 'nl' || chosenLang === 'en', code: normalise(params.get('code') || ''), team: '', token: null,
  session: null, tally: null, mine: {}, pending: null, card: null, notice: null,
  screen: 'form', formError: null, refused: null, deadline: null, clockState: null, revealedFor: null, agreements: [],
  guesses: {}, reasons: {}, shown: null, guess: null, draft: '', shownSaid: null, savedFor: null,
  timeUpSaid: null
};
export const t = () => TEXT[st.lang] || TEXT.nl;
// Fetches the words of `lang` when they are not here yet, and draws the page again with them.
function needLang(lang) {
  if (TEXT[lang]) return;
  import('./' + (spec.prefix || '') + lang + '.js').then(m => { TEXT[lang] = m.default; render(); }, () => { /* offline: Dutch until it comes */ });
}
// From how many answers a result shows: 3, or more in a stricter room (the session says so).
export const minGroup = () => (st.session && st.session.min_group) || 3;
export const label = (it, id) => (it.options.find(o => o.id === id) || { label: id }).label;

// How the page draws a live session: live(session, notice) returns its markup; team says whether
// the form asks for a team; drawn(view) runs after every redraw (the projector's layout). The
// facilitator's page also gives: form() its start screen instead of the join form, opening() its
// first message on a new connection (create_session), message(m) for the messages only it gets,
// welcomed(m) after its welcome, heading() the page's heading, words its Dutch table and prefix the name its English one has
// (host-en.js), keep 'local': its token outlives the tab (a reload, a laptop that slept), and
// refocus() where the focus goes when the control that had it is disabled or gone after a redraw.
/** @type {{live: function(object, ?Element): *, team: boolean, drawn: ?function(Element): void, form?: function(?string): *,
 *  opening?: function(): object, message?: function(object): boolean, welcomed?: function(object): void, heading?: function(): string,
 *  words?: object, prefix?: string, keep?: string, refocus?: function(): void}} */
let spec = { live: () => null, team: false, drawn: null };
let drawnHtml = '';

const net = connection({ opening, message: onMessage, status: showStatus, closed: onClosed });
export const send = m => net.send(m);
export const isOpen = () => net.state === 'open';

function normalise(code) {
  return String(code).toUpperCase().replace(/[\s-]/g, '');
}
// Why a typed code cannot be one: the wrong length, or characters codes never use.
const codeProblem = code => (code.length === 6 ? t().badChars : t().badCode);

const storeKey = code => 'dilemma:' + PAGE + ':' + code;
const store = () => (spec.keep === 'local' ? localStorage : sessionStorage);
export function savedToken(code) {
  try { return store().getItem(storeKey(code)); } catch (e) { return null; }
}
export function saveToken(code, token) {
  try { if (token) store().setItem(storeKey(code), token); else store().removeItem(storeKey(code)); } catch (e) { /* private mode: resume only within this page */ }
}

// Connects as what `opening` will say: with the code (and token) the page has, or, on the
// facilitator's page, after its start screen.
export function enter() {
  st.screen = 'live';
  net.connect();
  render();
}

function begin() {
  if (!CODE.test(st.code)) { st.screen = 'form'; st.formError = st.code ? codeProblem(st.code) : null; render(); return; }
  st.token = st.token || savedToken(st.code);
  enter();
}

function opening() {
  const protocol = Number(root.dataset.protocol);
  if (st.token) return { type: 'resume', protocol, code: st.code, token: st.token };
  if (spec.opening) return Object.assign({ protocol }, spec.opening());
  if (PAGE === 'watch') return { type: 'watch', protocol, code: st.code };
  const m = { type: 'join', protocol, code: st.code };
  if (st.team) m.team = st.team;
  return m;
}

function stop(screen, message) {
  net.stop();
  st.screen = screen;
  st.formError = message;
  render();
}

function onClosed(kind) {
  if (kind === 'elsewhere') stop('elsewhere', null);
  else stop('final', st.notice || t().mismatch);
}

function errorText(code, message) {
  return st.lang === 'nl' || !TEXT[st.lang] ? message : (t().errors[code] || message);
}

function onMessage(m) {
  switch (m.type) {
    case 'welcome': {
      st.screen = 'live';
      st.code = m.code; st.token = m.token; saveToken(m.code, m.token);
      st.mine = m.answers || {}; st.pending = null; st.notice = null;
      st.guesses = m.guesses || {}; st.reasons = m.reasons || {};
      if (params.get('code') !== m.code) { params.set('code', m.code); history.replaceState(null, '', location.pathname + '?' + params); }
      setSession(m.session);
      if (spec.welcomed) spec.welcomed(m);
      break;
    }
    case 'session': setSession(m.session); break;
    case 'tally': st.tally = m; break;
    case 'answer_ack':
      st.mine[m.item] = m.option;
      if (st.pending && st.pending.item === m.item && st.pending.option === m.option) { st.pending = null; st.savedFor = m.item + ':' + m.option; }
      break;
    case 'role': st.card = m; break;
    case 'agreements': st.agreements = m.agreements; break;
    case 'predicted': st.guesses[m.item] = m.percent; break;
    case 'reason_ack': if (m.text === null) delete st.reasons[m.item]; else st.reasons[m.item] = m.text; break;
    case 'shown': st.shown = m.reason; break;
    case 'error': return onError(m);
    default: if (!spec.message || !spec.message(m)) return;
  }
  render();
}

function onError(m) {
  if (m.code === 'protocol_mismatch') { st.notice = t().mismatch; return stop('final', t().mismatch); }
  if (m.code === 'rate_limited' && isOpen()) { st.notice = errorText(m.code, m.message); return render(); }
  if (!isOpen()) {
    // The opening was refused: a wrong code, an ended or full session, or a token that no
    // longer resumes (also after a reconnect, when the server lost the session).
    const resumeRefused = (m.code === 'unauthorized' || m.code === 'unknown_session') && st.token;
    if (resumeRefused || m.code === 'unknown_session') { saveToken(st.code, null); st.token = null; }
    st.session = null; st.tally = null; st.card = null; net.welcomed = false;
    st.refused = m.code;
    return stop('form', resumeRefused ? t().lost : errorText(m.code, m.message));
  }
  st.pending = null;
  st.notice = errorText(m.code, m.message);
  render();
}

function setSession(s) {
  const before = st.session && st.session.item ? st.session.item.id : null;
  st.session = s;
  if (!st.langChosen && (s.language === 'nl' || s.language === 'en')) st.lang = s.language;
  needLang(st.lang);
  const now = s.item ? s.item.id : null;
  if (now !== before) { st.notice = null; st.pending = null; }
  if (st.tally && st.tally.item !== now) st.tally = null;
  st.deadline = s.timer ? performance.now() + s.timer.remaining_ms : null;
}

function showStatus() {
  const text = net.state === 'connecting' && net.failures === 0 ? t().connecting
    : net.lost() ? (net.failures >= 3 ? t().reconnecting + ' ' + t().gone : t().reconnecting) : '';
  if (statusLine.textContent !== text) statusLine.textContent = text;
}

export function remainingMs() {
  return st.deadline === null ? null : Math.max(0, Math.round(st.deadline - performance.now()));
}

// A reason the facilitator put on the projector: its text and the option, never who.
export function shownReason(it) {
  const sh = st.shown && st.shown.item === it.id ? st.shown : null;
  return sh ? el('blockquote', { class: 'card shown' }, el('p', { text: '“' + sh.text + '”' }), el('p', { class: 'muted', text: t().shownFor(label(it, sh.option)) })) : null;
}

// A sketch's questions for the room ([] when it has none); `paged` lets the projector show them a page at a time.
export function discussion(it, paged) {
  if (!it.questions || !it.questions.length) return [];
  const attrs = { class: 'questions', 'data-pages': paged ? t().pageOf('{i}', '{n}') : null };
  return [el('h3', { text: t().discuss }), el('ul', attrs, it.questions.map(q => el('li', { text: q })))];
}

// The countdown of a sketch: the time left, "almost" in its last ten seconds, "time is up" at 0.
export function countdown(left) {
  const state = left === 0 ? 'up' : left <= 10000 ? 'last-seconds' : 'running';
  return [
    el('p', { class: 'countdown ' + state, id: 'countdown', role: 'timer', 'aria-label': t().timeLeft }, clock(left)),
    // Said aloud once (the live region), and written where everyone looks.
    state === 'up' ? el('p', { class: 'time-up', text: t().timeUp }) : state === 'last-seconds' ? el('p', { class: 'almost', text: t().almost }) : null
  ];
}

export function render() {
  root.lang = st.lang;
  document.getElementById('title').textContent = st.session ? st.session.title : spec.heading ? spec.heading() : (PAGE === 'watch' ? t().show : t().join);
  const next = el('div', null, body());
  if (next.innerHTML === drawnHtml) return;
  drawnHtml = next.innerHTML;
  const active = /** @type {HTMLInputElement|null} */ (document.activeElement);
  const focused = active && active.dataset ? active.dataset.key : null;
  // A field being typed in keeps its caret where it was.
  const caret = active && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  view.replaceChildren(...next.childNodes);
  if (focused) {
    const f = /** @type {HTMLInputElement|null} */ (view.querySelector('[data-key="' + focused + '"]'));
    if (f && !f.disabled) { f.focus(); if (caret && typeof f.setSelectionRange === 'function') f.setSelectionRange(caret[0], caret[1]); }
    else if (spec.refocus) spec.refocus();
  }
  announceChanges();
  if (spec.drawn) spec.drawn(view);
}

function body() {
  if (st.screen === 'form') return spec.form ? spec.form(st.formError) : form();
  if (st.screen === 'elsewhere') {
    return [el('p', { text: t().elsewhere }),
      el('button', { type: 'button', class: 'primary', 'data-key': 'here', text: t().here, onclick: enter })];
  }
  if (st.screen === 'final') {
    return [el('p', { class: 'notice', text: st.formError }),
      el('button', { type: 'button', class: 'primary', 'data-key': 'reload', text: t().reload, onclick: () => location.reload() })];
  }
  const s = st.session;
  if (!s) return null;
  return spec.live(s, st.notice ? el('p', { class: 'notice', role: 'alert', text: st.notice }) : null);
}

function form() {
  const err = st.formError;
  const submit = e => {
    e.preventDefault();
    st.code = normalise(/** @type {HTMLInputElement} */ (document.getElementById('code')).value);
    const team = /** @type {HTMLInputElement|null} */ (document.getElementById('team'));
    st.team = team ? team.value.trim() : '';
    if (!CODE.test(st.code)) { st.formError = codeProblem(st.code); render(); document.getElementById('code').focus(); return; }
    if ([...st.team].length > 40) { st.formError = t().badTeam; render(); team.focus(); return; }
    st.formError = null; st.token = null;
    begin();
    render();
  };
  return el('form', { class: 'join-form', onsubmit: submit, novalidate: true },
    langButton(),
    el('label', { for: 'code', text: t().code }),
    el('p', { id: 'code-hint', class: 'muted', text: t().codeHint }),
    el('input', { id: 'code', name: 'code', value: st.code, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 12, 'aria-describedby': err ? 'code-hint form-error' : 'code-hint', 'aria-invalid': err ? 'true' : null }),
    spec.team ? [
      el('label', { for: 'team', text: t().team }),
      el('p', { id: 'team-hint', class: 'muted', text: t().teamHint }),
      el('input', { id: 'team', name: 'team', value: st.team, autocomplete: 'organization', maxlength: 40, 'aria-describedby': 'team-hint' })
    ] : null,
    err ? el('p', { id: 'form-error', class: 'notice', role: 'alert', text: err }) : null,
    el('button', { type: 'submit', class: 'primary', 'data-key': 'submit', text: PAGE === 'watch' ? t().show : t().join }),
    // The facilitator's page, for whoever leads the session.
    el('p', { class: 'lead-link' }, el('a', { href: '/host', 'data-key': 'lead', text: t().leadLink })));
}

// The switch to the other language, kept for the next visit.
export function langButton() {
  const other = st.lang === 'nl' ? 'en' : 'nl';
  const switchLang = () => {
    st.lang = other; st.langChosen = true; needLang(other);
    try { localStorage.setItem('dilemma-lang', other); } catch (e) { /* private mode: for this page only */ }
    render();
  };
  return el('button', { type: 'button', class: 'lang', 'data-key': 'lang', lang: other, onclick: switchLang, text: other === 'en' ? 'English' : 'Nederlands' });
}

// The reveal, a reason put on screen and the end of a countdown are said aloud once, through the live region.
function announceChanges() {
  const s = st.session;
  if (!s || !s.item) return;
  const it = s.item;
  const tally = st.tally;
  if (s.phase === 'revealed' && tally && tally.item === it.id && st.revealedFor !== it.id) {
    st.revealedFor = it.id;
    const then = tally.earlier && !tally.earlier.withheld ? tally.earlier : null;
    say(tally.withheld ? t().withheld(tally.withheld, minGroup())
      : t().revealed(it.options.map(o => o.label + ' ' + (tally.percentages[o.id] || 0) + '%'
        + (then ? ' (' + t().then + ' ' + (then.percentages[o.id] || 0) + '%)' : '')).join(', '))
        + (tally.prediction ? '. ' + thoughtText(it, tally, t()) : ''));
  }
  const sh = st.shown && st.shown.item === it.id ? st.shown.text : null;
  if (sh && st.shownSaid !== sh) say('“' + sh + '” ' + t().shownFor(label(it, st.shown.option)));
  st.shownSaid = sh;
  if (s.phase !== 'revealed' && st.revealedFor === it.id) st.revealedFor = null;
  sayTimeUp();
}

// "Time is up", said once per run of a sketch's countdown: from the clock's tick or from a redraw,
// whichever sees it first (a page whose timers are held back by the browser still says it).
function sayTimeUp() {
  const left = remainingMs();
  const id = st.session && st.session.item ? st.session.item.id : null;
  if (left === null || left > 0) {
    if (left) st.timeUpSaid = null;
    return;
  }
  if (st.timeUpSaid !== id) {
    st.timeUpSaid = id;
    say(t().timeUp);
  }
}

function tick() {
  const left = remainingMs();
  const c = document.getElementById('countdown');
  if (left === null) return;
  const text = clock(left);
  if (c && c.textContent !== text) c.textContent = text;
  const state = (st.session && st.session.item ? st.session.item.id + ':' + Math.round(st.deadline) : '') + (left === 0 ? ':up' : left <= 10000 ? ':almost' : '');
  if (st.clockState !== state) {
    st.clockState = state;
    sayTimeUp();
    render();
  }
}

// Starts the page: `how` says how it draws a live session (see `spec`).
export function start(how) {
  spec = how;
  if (how.words) TEXT.nl = how.words;
  needLang(st.lang);
  setInterval(tick, 250);
  if (st.code && (savedToken(st.code) || PAGE === 'watch')) begin();
  render();
}
