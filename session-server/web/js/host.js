// The facilitator's page (/host): start a session (a deck, the trainers' key, a title, a follow-up of
// one led from this browser), lead it (the deck in any order, the private preview, the sketch's
// timer, prompts that fit, reasons to put on screen, statements from the room, agreements, the end)
// and download its reports. A trainer can check and save a deck file from its start screen.
import { ask } from './client.js';
import { el } from './dom.js';
import { st, t, minGroup, label, send, render, remainingMs, countdown, shownReason, start, enter, saveToken, savedToken, langButton } from './page.js';
import { result } from './result.js';
import words from './host-nl.js';

const root = document.documentElement;
const params = new URLSearchParams(location.search);
// Sessions led from this browser: [{code, title, date}]; each one's token is kept by page.js.
const LED = 'dilemma-host-led';
const h = {
  decks: null, keyRequired: false, accounts: null, pick: '', title: '', key: '', follows: params.get('follows') || '',
  reasons: null, area: null, confirmEnd: false, files: [], asking: null, check: null,
  agreement: '', about: true, sentAgreement: null, statement: '', options: '', sentStatement: null, formError: null,
  said: 0, saidKey: '', pending: null, later: null, leading: ''
};
// "My sessions" (host-mine.js): only a server with staff accounts needs it, so only there is it
// loaded (null: not yet; then the module).
let mine = null;
let mineAsked = false;
function needMine() {
  if (mineAsked || !h.accounts) return;
  mineAsked = true;
  import('./host-mine.js').then(m => { mine = m; render(); });
}
// Leads session `code` from this browser: with its token where this browser has one, else by the sign-in (`lead`).
function leadIt(code) {
  h.leading = code;
  st.code = code; st.token = savedToken(code); st.refused = null; h.formError = null;
  enter();
}

function led() {
  let list = [];
  try { list = JSON.parse(localStorage.getItem(LED) || '[]'); } catch (e) { list = []; }
  return Array.isArray(list) ? list.filter(s => s && typeof s.code === 'string' && savedToken(s.code)) : [];
}
function keepLed(list) {
  try { localStorage.setItem(LED, JSON.stringify(list.slice(0, 30))); } catch (e) { /* private mode: this visit only */ }
}
function forget(code) {
  saveToken(code, null);
  keepLed(led().filter(s => s.code !== code));
  if (h.follows === code) h.follows = '';
  render();
}

// The first message of a new connection: the session the start screen describes.
function opening() {
  if (h.leading) return { type: 'lead', code: h.leading };
  const m = { type: 'create_session', scenario: h.pick };
  if (h.title.trim()) m.title = h.title.trim();
  if (h.key) m.key = h.key;
  // The proof of the earlier session: its token where this browser led it, else the sign-in.
  if (h.follows && savedToken(h.follows)) m.follows = { code: h.follows, token: savedToken(h.follows) };
  else if (h.follows && signedIn()) m.follows = { code: h.follows };
  return m;
}
// Who is signed in on this browser (on a server with accounts), or null.
const whoSignedIn = () => (h.accounts && h.accounts.signed_in) || null;
const signedIn = () => !!whoSignedIn();
// What a follow-up can follow: the signed-in member of staff's ended sessions, and those led from this browser.
function followable() {
  const own = mine ? mine.endedMine() : [];
  return own.concat(led().filter(s => !own.some(m => m.code === s.code)));
}

function welcomed(m) {
  const before = led().find(s => s.code === m.code);
  const others = led().filter(s => s.code !== m.code);
  const date = before && before.date ? before.date : new Date().toISOString().slice(0, 10);
  keepLed([{ code: m.code, title: m.session.title, date }].concat(others));
  h.confirmEnd = false; h.area = null;
}

function message(m) {
  if (m.type === 'reasons') { h.reasons = m; return true; }
  if (m.type === 'report') { files(m); return true; }
  return false;
}

// A request from the part of the page `area`: a refusal of it is shown there.
function act(area, m) {
  h.area = area;
  st.notice = null;
  if (!send(m)) st.notice = t().reconnecting;
  render();
}
const control = (action, item) => act('controls', item ? { type: 'control', action, item } : { type: 'control', action });

// What the phase allows (the server judges; the buttons and keys follow the same rules).
const answerable = s => !!(s.item && s.item.options && s.item.options.length);
const CAN = {
  close: s => s.phase === 'open' && answerable(s),
  reveal: s => (s.phase === 'open' || s.phase === 'closed') && answerable(s),
  start_timer: s => (s.phase === 'scene' || s.phase === 'open') && !!s.item && s.item.kind === 'sketch',
  end: s => s.phase !== 'ended'
};
const nextItem = s => (s.items || [])[s.index === null || s.index === undefined ? 0 : s.index + 1] || null;

// N next, C close, R reveal, T timer, Shift+E end: as the desktop app, never while typing.
document.addEventListener('keydown', e => {
  const s = st.session;
  const target = /** @type {HTMLInputElement} */ (e.target);
  // Typing: a text field, a list to choose from; a check box or button does not take letters.
  const field = /^(TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable
    || (target.tagName === 'INPUT' && !/^(checkbox|radio|button|submit|reset)$/.test(target.type));
  if (!s || st.screen !== 'live' || field || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  const k = e.key.toLowerCase();
  // While the end is asked, Escape answers "no" and no other key acts.
  if (h.confirmEnd) { if (k === 'escape') { h.confirmEnd = false; render(); focusKey('end'); e.preventDefault(); } return; }
  if (k === 'e' && e.shiftKey) { if (CAN.end(s)) { h.confirmEnd = true; render(); focusKey('end-yes'); } }
  else if (e.shiftKey) return;
  else if (k === 'n') { const n = nextItem(s); if (n && CAN.end(s)) control('open', n.id); else return; }
  else if (k === 'c' || k === 'r' || k === 't') {
    const action = { c: 'close', r: 'reveal', t: 'start_timer' }[k];
    if (CAN[action](s)) control(action); else return;
  } else return;
  e.preventDefault();
});
function focusKey(key) {
  const b = /** @type {HTMLElement|null} */ (document.querySelector('[data-key="' + key + '"]'));
  if (b) b.focus();
}
// A control that had the focus and is now disabled or gone (C closed, R revealed, an item opened):
// the focus goes to the first control that can act, else to the heading of what is on screen.
function refocus() {
  const next = /** @type {HTMLElement|null} */ (document.querySelector('.now .controls button:not([disabled])') || document.getElementById('now-h'));
  if (next) next.focus();
}

// Polite news (answers coming in, a deck checked, a report made), through the page's one region.
function tell(text) {
  const region = document.getElementById('progress');
  if (region) region.textContent = text;
}

// A button for a control, with its key on it.
function controlButton(key, text, action, enabled, onclick) {
  return el('button', { type: 'button', 'data-key': action, 'aria-keyshortcuts': key, disabled: !enabled, onclick }, text + ' (' + key.replace('Shift+', '⇧') + ')');
}

// ---- The start screen ----

function loadDecks() {
  h.decks = 'loading';
  ask({ type: 'list_scenarios' }).then(m => {
    h.decks = m && m.type === 'scenarios' ? m.scenarios : 'offline';
    h.keyRequired = !!(m && m.key_required);
    h.accounts = (m && m.accounts) || null;
    if (Array.isArray(h.decks) && !h.decks.some(d => d.id === h.pick) && h.decks.length) h.pick = h.decks[0].id;
    render();
  });
}

// A labelled text field (with its hint) that keeps what is typed in `h[bind]`, so a redraw keeps it;
// `problem` is the id of the sentence saying what is wrong with it, if something is.
function field(id, text, hint, bind, attrs, problem) {
  const about = [hint ? id + '-hint' : null, problem].filter(Boolean).join(' ');
  return [el('label', { for: id, text }), hint ? el('p', { id: id + '-hint', class: 'muted', text: hint }) : null,
    el('input', Object.assign({ id, name: id, 'data-key': id, 'aria-describedby': about || null, 'aria-invalid': problem ? 'true' : null,
      value: h[bind], autocomplete: 'off', oninput: e => { h[bind] = e.target.value; } }, attrs))];
}
// The refusal of area `area`'s request, with the id a field names it by.
const noticeId = area => 'notice-' + area;
const noticeAt = area => (st.notice && h.area === area ? el('p', { id: noticeId(area), class: 'notice', role: 'alert', text: st.notice }) : null);
const wrongIn = area => (st.notice && h.area === area ? noticeId(area) : null);

// A labelled check box.
function checkRow(id, text, checked, onchange) {
  return el('div', { class: 'check-row' }, el('input', { type: 'checkbox', id, 'data-key': id, checked, onchange }), el('label', { for: id, text }));
}

// On a server with staff accounts: who is signed in on this browser, or the way to sign in.
function account() {
  const who = whoSignedIn();
  if (!h.accounts) return null;
  const signOut = () => fetch('/auth/logout', { method: 'POST' }).then(r => {
    if (!r.ok) throw new Error(String(r.status));
    h.decks = null; h.accounts = null; h.area = null; if (mine) mine.forgetMine(); render();
  }).catch(() => { h.area = 'account'; st.notice = t().signOutFailed; render(); });
  return el('section', { class: 'card account', 'aria-labelledby': 'account-h' },
    el('h2', { id: 'account-h', text: who ? t().signedInAs(who.name, who.role) : t().signInNeeded }),
    // The browser brought a sign-in that counts no longer: say so, not only "sign in".
    !who && h.accounts.refused ? el('p', { id: 'account-refused', text: t().signInRefused }) : null,
    who ? el('button', { type: 'button', 'data-key': 'sign-out', onclick: signOut, text: t().signOut })
      : el('a', { class: 'button-link', 'data-key': 'sign-in', href: '/auth/login?next=' + encodeURIComponent('/host' + location.search), text: t().signIn }),
    noticeAt('account'));
}

function startScreen(err) {
  if (h.decks === null) loadDecks();
  needMine();
  // Without a sign-in (and without the trainers' key to bring instead) there is nothing to start.
  const who = whoSignedIn();
  const locked = !!h.accounts && !who && !h.keyRequired;
  const list = led();
  const earlier = followable();
  const submit = e => {
    e.preventDefault();
    if (!h.pick) { h.formError = t().pickDeck; render(); return; }
    if ([...h.title.trim()].length > 120) { h.formError = t().badTitle; render(); focusKey('session-title'); return; }
    h.formError = null; st.refused = null; st.token = null; st.code = ''; h.leading = '';
    enter();
  };
  const problem = h.formError || err;
  // The sentence is linked to the field it is about: a too long title, a key the server refused.
  const about = problem === t().badTitle ? 'title' : !h.formError && err && st.refused === 'unauthorized' ? 'key' : null;
  return [
    langButton(),
    account(),
    mine ? mine.mineCard(who, leadIt, code => { h.follows = code; render(); focusKey('follows'); }) : null,
    locked ? null : el('form', { class: 'host-start', onsubmit: submit, novalidate: true },
      el('fieldset', { class: 'decks' }, el('legend', { text: t().decks }), deckChoices()),
      field('session-title', t().title, t().titleHint, 'title', { maxlength: 120 }, about === 'title' ? 'form-error' : null),
      // A signed-in facilitator starts without the key (a trainer's sign-in also saves decks without it).
      h.keyRequired && !who ? field('key', t().key, t().keyHint, 'key', { type: 'password' }, about === 'key' ? 'form-error' : null) : null,
      earlier.length ? [
        el('label', { for: 'follows', text: t().follows }),
        el('p', { id: 'follows-hint', class: 'muted', text: t().followsHint }),
        el('select', { id: 'follows', 'data-key': 'follows', 'aria-describedby': 'follows-hint', onchange: e => { h.follows = e.target.value; } },
          el('option', { value: '', text: t().followsNone }),
          earlier.map(s => el('option', { value: s.code, selected: s.code === h.follows, text: s.code + ' · ' + s.title + ' · ' + t().day(s.date) })))
      ] : null,
      problem ? el('p', { id: 'form-error', class: 'notice', role: 'alert', text: problem }) : null,
      el('button', { type: 'submit', class: 'primary', 'data-key': 'create', disabled: !Array.isArray(h.decks) || !h.decks.length, text: t().create })),
    list.length ? el('section', { class: 'card led', 'aria-labelledby': 'led-h' }, el('h2', { id: 'led-h', text: t().led }),
      el('ul', null, list.map(s => el('li', null,
        el('span', { text: s.code + ' · ' + s.title + ' · ' + t().day(s.date) + ' ' }),
        el('a', { href: '/host?code=' + s.code, 'data-key': 'resume-' + s.code, text: t().resume(s.code) }), ' ',
        el('button', { type: 'button', class: 'small', 'data-key': 'forget-' + s.code, onclick: () => forget(s.code), text: t().forget(s.code) }))))) : null,
    deckCheck(),
    mine ? mine.auditCard(who) : null,
    mine ? mine.purgeCard(who) : null
  ];
}

function deckChoices() {
  if (h.decks === null || h.decks === 'loading') return el('p', { class: 'muted', text: t().loadingDecks });
  if (h.decks === 'offline') return [el('p', { class: 'notice', text: t().offline }), el('button', { type: 'button', 'data-key': 'retry', onclick: () => { h.decks = null; render(); }, text: t().retry })];
  if (!h.decks.length) return el('p', { class: 'notice', text: t().noDecks });
  return el('ul', { class: 'choices-list' }, h.decks.map(d => {
    const id = 'deck-' + d.id;
    const about = [t().language(d.language), t().deckCounts(d.items - (d.sketches || 0), d.sketches || 0)]
      .concat(d.themes && d.themes.length ? [t().themes + ': ' + d.themes.join(', ')] : []).join(' · ');
    return el('li', null,
      el('input', { type: 'radio', name: 'deck', id, 'data-key': id, value: d.id, checked: d.id === h.pick, 'aria-describedby': id + '-about', onchange: () => { h.pick = d.id; } }),
      el('label', { for: id, lang: d.language, text: d.title }),
      el('p', { id: id + '-about', class: 'muted', text: about + (d.description ? ' — ' + d.description : '') }));
  }));
}

// A trainer's deck file: checked by the server's validator (nothing written), then saved with the key.
function deckCheck() {
  const c = h.check;
  const pick = e => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    if (file.size > 16 * 1024) { h.check = { name: file.name, answer: { type: 'too_big' }, ok: false }; answered(h.check); return; }
    file.text().then(content => {
      const c = { name: file.name, content, answer: null, ok: false };
      h.check = c;
      render();
      ask({ type: 'save_deck', content, check: true }).then(answer => { c.answer = answer; c.ok = !!answer && answer.type === 'deck_checked'; answered(c); });
    });
  };
  const saveIt = () => {
    const m = { type: 'save_deck', content: c.content };
    if (h.key) m.key = h.key;
    c.answer = null; render();
    ask(m).then(answer => { c.answer = answer; if (answer && answer.type === 'deck_saved') { h.decks = null; c.ok = false; } answered(c); });
  };
  // What the server said is drawn, and said politely (the result replaces itself, so it is no live region).
  const answered = c => { render(); const r = document.getElementById('check-result'); if (r) tell(r.textContent); };
  return el('section', { class: 'card check', 'aria-labelledby': 'check-h' },
    el('h2', { id: 'check-h', text: t().checkDeck }),
    el('p', { id: 'deck-file-hint', class: 'muted', text: t().checkHint }),
    el('label', { for: 'deck-file', text: t().deckFile }),
    el('input', { type: 'file', id: 'deck-file', 'data-key': 'deck-file', accept: '.toml,text/plain', 'aria-describedby': 'deck-file-hint', onchange: pick }),
    c ? el('div', { id: 'check-result' }, checked(c)) : null,
    // A checked file can be saved; a refused save (the key) can be tried again.
    c && c.ok
      ? [h.keyRequired ? field('save-key', t().key, t().saveKeyHint, 'key', { type: 'password' }, c.answer && c.answer.type === 'error' ? 'check-result' : null) : null,
        el('button', { type: 'button', 'data-key': 'save-deck', onclick: saveIt, disabled: !c.answer, text: t().saveDeck })]
      : null);
}

function checked(c) {
  const a = c.answer;
  if (!a) return el('p', { class: 'muted', text: c.name + ': …' });
  if (a.type === 'too_big') return el('p', { class: 'notice', text: t().tooBig });
  if (a.type === 'deck_checked') return el('p', { class: 'ok', text: c.name + ': ' + t().deckOk(a.id) });
  if (a.type === 'deck_saved') return el('p', { class: 'ok', text: t().deckSaved(a.id) });
  if (a.type === 'deck_problems') {
    // The server's validator explains in Dutch (as `session-server validate` does); the page says so.
    return [el('p', { class: 'notice', text: c.name + ': ' + t().problems(a.problems.length) }),
      st.lang === 'nl' ? null : el('p', { class: 'muted', text: t().inDutch }),
      el('ul', { class: 'problems' }, a.problems.map(p => el('li', null, t().at(p.line, p.column) + ': ', el('span', { lang: 'nl', text: p.message }))))];
  }
  if (a.type === 'error') return el('p', { class: 'notice', text: (t().errors && t().errors[a.code]) || a.message });
  return el('p', { class: 'notice', text: t().offline });
}

// ---- Leading ----

function live(s) {
  if (s.phase === 'ended') return ended(s);
  clearSent(s);
  sayProgress(s);
  return [
    bar(s),
    el('div', { class: 'lead' },
      el('section', { class: 'now', 'aria-labelledby': 'now-h' }, s.item ? current(s, s.item) : lobby(s)),
      el('div', { class: 'side-panels' }, deck(s), agreements(s), statementForm(), reports(), endPanel(s)))
  ];
}

function bar(s) {
  const f = s.follows;
  return el('div', { class: 'bar-top' },
    el('p', { class: 'session-code' }, el('span', { class: 'muted', text: t().code + ' ' }), el('strong', { class: 'mono', text: s.code })),
    el('p', { class: 'count', text: t().participants(s.participants) }),
    el('a', { class: 'button-link', href: '/watch?code=' + s.code, target: '_blank', rel: 'noopener', 'data-key': 'projector', text: t().projector }),
    el('button', { type: 'button', 'data-key': 'preview', 'aria-pressed': s.preview ? 'true' : 'false', onclick: () => act('preview', { type: 'preview', on: !s.preview }), text: t().preview }),
    langButton(),
    noticeAt('preview'),
    f ? el('p', { class: 'muted follows', text: f.gone ? t().followsGone(f.title) : t().followsThis(f.title, t().day(f.date), f.compared) }) : null);
}

function lobby(s) {
  const join = root.dataset.join;
  const first = nextItem(s);
  return [
    el('h2', { id: 'now-h', 'data-key': 'now-h', tabindex: '-1', text: t().phase.lobby }),
    el('div', { class: 'join card' },
      el('img', { src: '/qr.svg?code=' + encodeURIComponent(s.code), alt: t().qr + ': ' + join + '/?code=' + s.code, width: 200, height: 200 }),
      el('div', null,
        el('p', { text: t().joinHere }), el('p', { class: 'address', text: join.replace(/^https?:[/][/]/, '') }),
        el('p', { text: t().withCode }), el('p', { class: 'code', text: s.code }),
        el('p', { class: 'count', text: t().participants(s.participants) + (s.teams ? ' · ' + t().teamsCount(s.teams) : '') }),
        root.dataset.loopback === 'true' ? el('p', { class: 'notice', text: t().loopback }) : null)),
    first ? el('div', { class: 'controls' }, controlButton('N', t().next, 'next', true, () => control('open', first.id))) : null,
    noticeAt('controls')
  ];
}

function current(s, it) {
  const left = remainingMs();
  const next = nextItem(s);
  const sketch = it.kind === 'sketch';
  return [
    el('h2', { id: 'now-h', 'data-key': 'now-h', tabindex: '-1', text: t().of(s.index + 1, s.count) + (sketch ? ' · ' + it.title : '') }),
    sketch ? el('p', { class: 'situation', lang: s.language, text: it.situation || '' }) : null,
    it.statement ? el('p', { class: 'statement', lang: s.language, text: it.statement }) : null,
    el('p', { class: 'phase', text: t().phase[s.phase] || s.phase }),
    answerable(s) ? el('p', { class: 'answered count', text: t().answeredOf(s.answered, s.participants) }) : null,
    sketch && it.roles && it.roles.length ? el('div', { class: 'roles' }, el('h3', { text: t().roles }),
      el('ul', null, it.roles.map(r => el('li', { lang: s.language, text: r }))), el('p', { class: 'muted', text: t().rolesNote })) : null,
    left !== null ? el('div', { class: 'clock' }, countdown(left)) : null,
    el('div', { class: 'controls' },
      sketch && s.phase === 'scene' && answerable(s) ? el('button', { type: 'button', 'data-key': 'open-voting', onclick: () => control('open', it.id), text: t().openVoting }) : null,
      sketch ? controlButton('T', left === null ? t().timer : t().again, 'start_timer', CAN.start_timer(s), () => control('start_timer')) : null,
      answerable(s) ? controlButton('C', t().close, 'close', CAN.close(s), () => control('close')) : null,
      answerable(s) ? controlButton('R', t().reveal, 'reveal', CAN.reveal(s), () => control('reveal')) : null,
      next ? controlButton('N', t().next, 'next', true, () => control('open', next.id)) : null),
    noticeAt('controls'),
    answerable(s) ? asks(it) : null,
    answerable(s) ? resultPanel(s, it) : null,
    prompts(s, it),
    reasons(s, it),
    shownReason(it)
  ];
}

// Guessing and reasons for this statement, on or off.
function asks(it) {
  const toggle = (key, text, on) => checkRow('ask-' + key, text, !!on,
    e => act('ask', Object.assign({ type: 'ask', item: it.id, predict: !!it.predict, reasons: !!it.reasons }, { [key]: e.target.checked })));
  return el('fieldset', { class: 'asks' }, el('legend', { text: t().ask }),
    toggle('predict', t().askPredict, it.predict), toggle('reasons', t().askReasons, it.reasons), noticeAt('ask'));
}

// Whether the facilitator may see the result now: after the reveal, or with the private preview on
// (what came during a preview is not drawn once it is turned off).
const sees = s => s.phase === 'revealed' || !!s.preview;

function resultPanel(s, it) {
  const revealed = s.phase === 'revealed';
  if (!revealed && !s.preview) return el('p', { class: 'card muted hidden-result', text: t().previewOff });
  const tally = st.tally && st.tally.item === it.id ? st.tally : null;
  if (!tally) return null;
  const r = result(it, tally, t(), minGroup(), null);
  return el('section', { class: revealed ? 'card result-card' : 'card private result-card', 'aria-label': t().result },
    revealed ? null : el('p', { class: 'private-note', text: t().onlyYouResult }),
    r.main, r.side);
}

// The prompts for the conversation: those that fit the result first, with why (the server's `fits`).
function prompts(s, it) {
  const texts = it.prompts || [];
  if (!texts.length) return null;
  const tally = sees(s) && st.tally && st.tally.item === it.id ? st.tally : null;
  const found = (tally && tally.fits) || [];
  const tags = it.prompt_fits || [];
  const fit = i => (tags[i] || []).map(shape => found.find(f => f.shape === shape)).find(Boolean) || null;
  const hasResult = !!(tally && tally.total > 0);
  const first = [], rest = [], other = [];
  texts.forEach((text, i) => {
    const f = fit(i);
    if (f) first.push(el('li', { class: 'fits' }, el('strong', { lang: s.language, text: '★ ' + text }), el('p', { class: 'muted', text: t().fits(f.why) })));
    else if (hasResult && tags[i] && tags[i].length) other.push(el('li', { lang: s.language, text }));
    else rest.push(el('li', { lang: s.language, text }));
  });
  return el('section', { class: 'prompts', 'aria-labelledby': 'prompts-h' }, el('h3', { id: 'prompts-h', text: t().prompts }),
    el('ul', null, first, rest),
    other.length ? [el('p', { class: 'muted', text: t().other }), el('ul', { class: 'muted' }, other)] : null);
}

function reasons(s, it) {
  const r = sees(s) && h.reasons && h.reasons.item === it.id ? h.reasons : null;
  if (!it.reasons || !r) return null;
  if (r.withheld) return el('section', { class: 'reasons' }, el('h3', { text: t().reasons }), el('p', { class: 'muted', text: t().reasonsFew(r.withheld) }));
  const closed = s.phase === 'closed' || s.phase === 'revealed';
  const sh = st.shown && st.shown.item === it.id ? st.shown : null;
  return el('section', { class: 'reasons', 'aria-labelledby': 'reasons-h' }, el('h3', { id: 'reasons-h', text: t().reasons }),
    r.groups.map(g => el('div', { class: 'reason-group' },
      el('h4', { text: label(it, g.option) }),
      g.reasons.length ? el('ul', null, g.reasons.map(x => {
        const up = sh && sh.option === g.option && sh.text === x.text;
        const quote = 'quote-' + x.id;
        return el('li', null, el('q', { id: quote, lang: s.language, text: x.text }), ' ',
          up ? el('button', { type: 'button', class: 'small', 'data-key': 'reason-' + x.id, 'aria-describedby': quote, onclick: () => act('reasons', { type: 'show_reason', reason: null }), text: t().offScreen })
            : el('button', { type: 'button', class: 'small', 'data-key': 'reason-' + x.id, 'aria-describedby': quote, disabled: !closed, title: closed ? null : t().whenClosed, onclick: () => act('reasons', { type: 'show_reason', reason: x.id }), text: t().toScreen }));
      })) : el('p', { class: 'muted', text: t().none }),
      g.more ? el('p', { class: 'muted', text: t().more(g.more) }) : null)),
    closed ? null : el('p', { class: 'muted', text: t().whenClosed }),
    noticeAt('reasons'));
}

function deck(s) {
  return el('nav', { class: 'deck', 'aria-labelledby': 'deck-h' }, el('h2', { id: 'deck-h', text: t().deck }),
    el('ol', { class: 'deck-list' }, (s.items || []).map((it, i) => el('li', null,
      el('button', { type: 'button', class: 'item', 'data-key': 'item-' + it.id, 'aria-current': i === s.index ? 'true' : null,
        onclick: () => control('open', it.id) },
        el('span', { class: 'n', text: String(i + 1) }),
        el('span', { class: 'what', lang: s.language, text: (it.kind === 'sketch' ? it.title : it.statement) || it.id }),
        el('span', { class: 'tags', text: [i === s.index ? t().current : null, it.played ? '✔ ' + t().played : null, it.from_room ? t().fromRoom : null].filter(Boolean).join(' · ') }))))));
}

// What the room made since the page sent it: the fields it came from are emptied.
function clearSent(s) {
  const same = (a, b) => a.replace(/\s+/g, ' ').trim() === b;
  if (h.sentStatement && (s.items || []).some(i => i.from_room && same(h.sentStatement, i.statement || ''))) { h.statement = ''; h.options = ''; h.sentStatement = null; }
  if (h.sentAgreement && (st.agreements || []).some(a => same(h.sentAgreement, a.text))) { h.agreement = ''; h.sentAgreement = null; }
}

function checkText(text, max, area) {
  const clean = text.replace(/\s+/g, ' ').trim();
  const problem = !clean ? t().empty : [...clean].length > max ? t().tooLong(max) : null;
  if (problem) { h.area = area; st.notice = problem; render(); return null; }
  return clean;
}

function agreements(s) {
  const list = st.agreements || [];
  const add = e => {
    e.preventDefault();
    const text = checkText(h.agreement, 300, 'agreement');
    if (text === null) return;
    const m = { type: 'agreement', text };
    if (h.about && s.item) m.item = s.item.id;
    h.sentAgreement = text;
    act('agreement', m);
  };
  return el('section', { class: 'agreements-panel', 'aria-labelledby': 'agreements-h' }, el('h2', { id: 'agreements-h', text: t().agreementsH }),
    list.length ? el('ol', { class: 'agreements' }, list.map(a => el('li', { value: a.number },
      el('span', { text: a.text + ' ' }),
      el('button', { type: 'button', class: 'small', 'data-key': 'drop-' + a.number, 'aria-label': t().drop(a.number), onclick: () => act('agreement', { type: 'drop_agreement', number: a.number }), text: '×' }))))
      : el('p', { class: 'muted', text: t().noAgreements }),
    el('form', { onsubmit: add, novalidate: true },
      field('agreement', t().agreementText, t().agreementHint, 'agreement', { maxlength: 300 }, wrongIn('agreement')),
      s.item ? checkRow('about', t().aboutItem, h.about, e => { h.about = e.target.checked; }) : null,
      noticeAt('agreement'),
      el('button', { type: 'submit', 'data-key': 'add-agreement', text: t().addAgreement })));
}

function statementForm() {
  const add = e => {
    e.preventDefault();
    const text = checkText(h.statement, 300, 'statement');
    if (text === null) return;
    const m = { type: 'add_statement', statement: text };
    const options = h.options.split(',').map(o => o.trim()).filter(Boolean);
    if (options.length) m.options = options;
    h.sentStatement = text;
    act('statement', m);
  };
  return el('section', { class: 'statement-panel', 'aria-labelledby': 'statement-h' }, el('h2', { id: 'statement-h', text: t().statementH }),
    el('form', { onsubmit: add, novalidate: true },
      field('room-statement', t().statementText, null, 'statement', { maxlength: 300 }, wrongIn('statement')),
      field('room-options', t().statementOptions, t().statementOptionsHint, 'options', { maxlength: 400 }),
      noticeAt('statement'),
      el('button', { type: 'submit', 'data-key': 'add-statement', text: t().addStatement })));
}

// The reports, made in the browser from the `report` message: the file, and a series' charts beside it.
function files(m) {
  h.files.forEach(f => URL.revokeObjectURL(f.url));
  const type = m.format === 'csv' ? 'text/csv;charset=utf-8' : m.format === 'json' ? 'application/json' : 'text/markdown;charset=utf-8';
  // As the desktop app names them (its folder reeks-CODE/ becomes the name's beginning: a download is
  // one file); a series' Markdown refers to its charts by their names, saved beside it.
  const md = m.format !== 'csv';
  const name = m.series ? 'reeks-' + m.code + '-verslag.' + (md ? 'md' : 'csv') : m.code + '.' + m.format;
  const made = [{ name, url: URL.createObjectURL(new Blob([m.content], { type })) }];
  for (const f of m.files || []) made.push({ name: f.name, url: URL.createObjectURL(new Blob([f.content], { type: 'image/svg+xml' })) });
  h.files = made;
  h.asking = null;
  tell(t().made + ' ' + made.map(f => f.name).join(', '));
  // The report itself is saved at once; a series' charts are the links beside it.
  setTimeout(() => { const a = /** @type {HTMLElement|null} */ (document.querySelector('a[data-file="0"]')); if (a) a.click(); }, 0);
}

function reports() {
  const get = (format, series, text) => el('button', { type: 'button', class: 'small', 'data-key': 'export-' + format + (series ? '-series' : ''),
    onclick: () => { h.asking = text; h.files = []; act('reports', series ? { type: 'export', format, series: true } : { type: 'export', format }); }, text });
  return el('section', { class: 'reports', 'aria-labelledby': 'reports-h' }, el('h2', { id: 'reports-h', text: t().reports }),
    el('div', { class: 'row' }, get('md', false, t().md), get('csv', false, t().csv), get('md', true, t().seriesMd), get('csv', true, t().seriesCsv)),
    h.asking && !h.files.length && !wrongIn('reports') ? el('p', { class: 'muted', text: t().asking }) : null,
    h.files.length ? el('div', null, el('p', { text: t().made }),
      el('ul', { class: 'files' }, h.files.map((f, i) => el('li', null, el('a', { href: f.url, download: f.name, 'data-file': String(i), text: f.name }))))) : null,
    noticeAt('reports'));
}

function endPanel(s) {
  if (!h.confirmEnd) return el('div', { class: 'end' }, controlButton('Shift+E', t().end, 'end', CAN.end(s), () => { h.confirmEnd = true; render(); focusKey('end-yes'); }), noticeAt('controls-end'));
  return el('div', { class: 'end card', role: 'alertdialog', 'aria-labelledby': 'end-q' },
    el('p', { id: 'end-q', text: t().endSure }),
    el('button', { type: 'button', 'data-key': 'end-yes', onclick: () => { h.confirmEnd = false; act('controls-end', { type: 'control', action: 'end' }); }, text: t().endYes }), ' ',
    el('button', { type: 'button', class: 'quiet', 'data-key': 'end-no', onclick: () => { h.confirmEnd = false; render(); focusKey('end'); }, text: t().endNo }));
}

function ended(s) {
  const list = st.agreements || [];
  return [
    el('p', { class: 'phase', text: t().endedLead }),
    el('p', { class: 'session-code' }, el('span', { class: 'muted', text: t().code + ' ' }), el('strong', { class: 'mono', text: s.code })),
    reports(),
    list.length ? el('section', { 'aria-labelledby': 'agreements-h' }, el('h2', { id: 'agreements-h', text: t().agreementsH }),
      el('ol', { class: 'agreements' }, list.map(a => el('li', { value: a.number, text: a.text })))) : null,
    el('a', { class: 'button-link', href: '/host?follows=' + s.code, 'data-key': 'follow-up', text: t().followUp }),
    langButton()
  ];
}

// How many answered, said politely at most every five seconds (the number is on screen too).
function sayProgress(s) {
  if (!answerable(s) || s.phase !== 'open') return;
  h.pending = { key: s.item.id + ' ' + s.answered + '/' + s.participants, text: t().progress(s.answered, s.participants) };
  sayPending();
}
// Within five seconds of the last: said once those are over, so the last count always comes
// (also when voting closed meanwhile), and each item's counts are news of their own.
function sayPending() {
  const p = h.pending;
  if (!p || p.key === h.saidKey) return;
  const wait = 5000 - (Date.now() - h.said);
  if (wait > 0) { if (!h.later) h.later = setTimeout(() => { h.later = null; sayPending(); }, wait); return; }
  h.said = Date.now(); h.saidKey = p.key; h.pending = null;
  tell(p.text);
}

document.querySelector('main').append(el('p', { id: 'progress', class: 'sr-only', 'aria-live': 'polite' }));
// The facilitator's own language (the browser's, or the one chosen here), not the deck's.
if (!st.langChosen) { st.lang = /^en/i.test(navigator.language || '') ? 'en' : 'nl'; st.langChosen = true; }
start({ live, form: startScreen, opening, welcomed, message, refocus, heading: () => t().lead, words, prefix: 'host-', keep: 'local', team: false, drawn: null });
