// The browser pages of the dilemma game: joining and playing (/) and the projector view (/watch),
// speaking protocol v1 over /ws like the desktop client. Plain JavaScript, no build step.
'use strict';
(() => {
  const PAGE = document.body.dataset.page;
  const root = document.documentElement;
  const view = document.getElementById('view');
  const statusLine = document.getElementById('status');
  const announcer = document.getElementById('announce');
  const CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/;
  // Why a typed code cannot be one: the wrong length, or characters codes never use.
  const codeProblem = code => (code.length === 6 ? t().badChars : t().badCode);
  const ELSEWHERE = 'elders opnieuw verbonden';

  // A shift in percentage points, with its sign spelled out.
  const points = (p, same, one, many) => p === 0 ? same : (p > 0 ? '+' : '−') + Math.abs(p) + ' ' + (Math.abs(p) === 1 ? one : many);
  const TEXT = {
    nl: {
      join: 'Meedoen', show: 'Scherm tonen', code: 'Code',
      codeHint: 'De 6 tekens op het scherm van de facilitator.',
      team: 'Team (mag leeg blijven)',
      teamHint: 'Je naam wordt niet gevraagd. Teamresultaten verschijnen pas vanaf 3 antwoorden.',
      badCode: 'Een code heeft 6 letters en cijfers, zoals K7M2QX. Kijk op het scherm van de facilitator.',
      badChars: 'Een code bevat nooit 0, 1, I, L of O (die lijken te veel op elkaar), alleen de andere letters en de cijfers 2 tot en met 9. Kijk nog eens op het scherm van de facilitator.',
      badTeam: 'Een teamnaam heeft hoogstens 40 tekens.',
      connecting: 'Verbinden…', reconnecting: 'Verbinding herstellen…',
      gone: 'De server is niet bereikbaar. Zit je op hetzelfde netwerk als de facilitator? We blijven het proberen.',
      welcome: 'Welkom! Wacht op de facilitator…',
      noRight: 'Er zijn geen goede of foute antwoorden, en niemand ziet wat jij kiest.',
      choose: 'Kies wat het dichtst bij jou ligt.', saving: 'Bezig met opslaan…',
      saved: 'Je antwoord is opgeslagen. Je kunt het nog wijzigen.',
      closed: 'Stemmen is gesloten; wacht op de uitslag.', wait: 'Wacht op de facilitator…',
      mine: 'jouw keuze', result: 'Uitslag', teams: k => 'Per team (vanaf ' + k + ' antwoorden)',
      answers: n => n === 1 ? '1 antwoord' : n + ' antwoorden',
      withheld: (n, k) => (n === 1 ? '1 antwoord' : n + ' antwoorden') + ': te weinig om te tonen. Een uitslag staat er pas vanaf ' + k + ' antwoorden, zodat niemands keuze te herleiden is.',
      heldBack: n => 'Dit is de uitslag van de vorige keer: ' + (n === 1 ? '1 nieuw antwoord is' : n + ' nieuwe antwoorden zijn') + ' te weinig om mee te tellen, anders is te herleiden wie wat koos.',
      participants: n => n === 1 ? '1 deelnemer' : n + ' deelnemers',
      yourRole: 'Jouw rol:', onlyYou: 'Alleen jij ziet deze briefing.',
      audience: 'Jij kijkt deze keer toe.', timeLeft: 'Resterende tijd', timeUp: 'De tijd is om.',
      discuss: 'Bespreek samen', ended: 'De sessie is afgelopen. Bedankt voor het meedoen!',
      endedWatch: 'De sessie is afgelopen. Bedankt!',
      elsewhere: 'Je speelt nu verder in een ander venster of op een ander apparaat.',
      here: 'Hier verder spelen',
      mismatch: 'Deze pagina is verouderd: de server spreekt een andere versie. Laad de pagina opnieuw.',
      reload: 'Pagina opnieuw laden',
      lost: 'Je plek in deze sessie is niet meer te hervatten. Doe opnieuw mee met de code.',
      joinAt: 'Doe mee: scan de code of ga naar', qr: 'QR-code met het adres om mee te doen',
      loopback: 'Let op: deze computer heeft geen netwerkadres dat telefoons kunnen bereiken. Verbind hem met het netwerk van de zaal.',
      watchIntro: 'Het scherm voor de zaal: uitslagen en schetsen, zonder bediening.',
      of: (i, n) => 'Onderdeel ' + i + ' van ' + n,
      revealed: (parts) => 'Uitslag: ' + parts,
      day: iso => iso.split('-').reverse().join('-'),
      thenNow: (d, a) => 'Nu, en eronder toen (' + d + ', ' + a + ')',
      thenFew: d => 'Toen (' + d + ') waren er te weinig antwoorden om te tonen.',
      then: 'toen',
      openQuestion: 'Een open vraag: bespreek hem samen. Er valt niets te kiezen.',
      agreements: 'Jullie afspraken',
      shift: p => points(p, 'gelijk', 'punt', 'punten'),
      guessQ: l => 'Wat denk je: hoeveel procent van de zaal koos \'' + l + '\'?',
      guessSend: 'Geef je schatting', guessSaved: p => 'Je schatting (' + p + '%) is opgeslagen. Na de uitslag zie je wat de zaal gemiddeld dacht.',
      reasonQ: 'Waarom koos je dit? (mag, hoeft niet)', reasonHint: 'In één zin. Niemand ziet dat hij van jou is; de facilitator kan hem op het scherm zetten.',
      reasonSend: 'Geef je reden', reasonDrop: 'Haal je reden weg', reasonSaved: 'Je reden:',
      thought: (a, l, r) => 'We dachten: ' + a + '% ' + l + '. Het werd ' + r + '%.',
      shownFor: l => '— een reden bij \'' + l + '\'',
      errors: {}
    },
    en: {
      join: 'Join', show: 'Show screen', code: 'Code',
      codeHint: 'The 6 characters on the facilitator’s screen.',
      team: 'Team (optional)',
      teamHint: 'Your name is not asked. Team results show only from 3 answers.',
      badCode: 'A code has 6 letters and digits, like K7M2QX. Look at the facilitator’s screen.',
      badChars: 'A code never has 0, 1, I, L or O (they look too much alike), only the other letters and the digits 2 to 9. Look at the facilitator’s screen again.',
      badTeam: 'A team name has at most 40 characters.',
      connecting: 'Connecting…', reconnecting: 'Reconnecting…',
      gone: 'The server cannot be reached. Are you on the same network as the facilitator? We keep trying.',
      welcome: 'Welcome! Waiting for the facilitator…',
      noRight: 'There are no right or wrong answers, and nobody sees what you choose.',
      choose: 'Choose what is closest to you.', saving: 'Saving…',
      saved: 'Your answer is saved. You can still change it.',
      closed: 'Voting is closed; wait for the result.', wait: 'Waiting for the facilitator…',
      mine: 'your choice', result: 'Result', teams: k => 'Per team (from ' + k + ' answers)',
      answers: n => n === 1 ? '1 answer' : n + ' answers',
      withheld: (n, k) => (n === 1 ? '1 answer' : n + ' answers') + ': too few to show. A result appears from ' + k + ' answers, so nobody\'s choice can be traced.',
      heldBack: n => 'This is the result of last time: ' + (n === 1 ? '1 new answer is' : n + ' new answers are') + ' too few to count in, or who chose what could be traced.',
      participants: n => n === 1 ? '1 participant' : n + ' participants',
      yourRole: 'Your role:', onlyYou: 'Only you see this briefing.',
      audience: 'This time you are in the audience.', timeLeft: 'Time left', timeUp: 'Time is up.',
      discuss: 'Discuss together', ended: 'The session has ended. Thank you for taking part!',
      endedWatch: 'The session has ended. Thank you!',
      elsewhere: 'You now play on in another window or on another device.',
      here: 'Play on here',
      mismatch: 'This page is out of date: the server speaks another version. Reload the page.',
      reload: 'Reload the page',
      lost: 'Your place in this session cannot be resumed. Join again with the code.',
      joinAt: 'Join: scan the code or go to', qr: 'QR code with the address to join',
      loopback: 'Note: this computer has no network address phones can reach. Connect it to the room’s network.',
      watchIntro: 'The room’s screen: results and sketches, without controls.',
      of: (i, n) => 'Part ' + i + ' of ' + n,
      revealed: (parts) => 'Result: ' + parts,
      day: iso => iso,
      thenNow: (d, a) => 'Now, and below it then (' + d + ', ' + a + ')',
      thenFew: d => 'Then (' + d + ') there were too few answers to show.',
      then: 'then',
      openQuestion: 'An open question: discuss it together. There is nothing to choose.',
      agreements: 'Your agreements',
      shift: p => points(p, 'same', 'point', 'points'),
      guessQ: l => 'What do you think: what share of the room chose \'' + l + '\'?',
      guessSend: 'Send your guess', guessSaved: p => 'Your guess (' + p + '%) is saved. After the result you see what the room thought on average.',
      reasonQ: 'Why did you choose this? (optional)', reasonHint: 'One sentence. Nobody sees it is yours; the facilitator may put it on the screen.',
      reasonSend: 'Send your reason', reasonDrop: 'Withdraw your reason', reasonSaved: 'Your reason:',
      thought: (a, l, r) => 'We thought: ' + a + '% ' + l + '. It was ' + r + '%.',
      shownFor: l => '— a reason for \'' + l + '\'',
      errors: {
        bad_request: 'The server did not understand that request.',
        protocol_mismatch: 'This page is out of date: the server speaks another version. Reload the page.',
        unknown_session: 'No session has this code; check the code on the screen.',
        unauthorized: 'That is not allowed here.',
        unknown_item: 'That statement is not part of this session.',
        invalid_option: 'That is not one of the answers; pick one of the buttons.',
        voting_closed: 'Voting on this statement is closed.',
        session_ended: 'This session has ended.',
        session_full: 'This session is full; ask the facilitator.',
        rate_limited: 'Too many messages at once; reload the page.',
        invalid_team: 'That team name cannot be used: at most 40 characters, no control characters, or pick an existing team.',
        storage_failed: 'The server could not save this, so it does not count; try again.'
      }
    }
  };

  // The page speaks the server's language (Dutch, or the language of the session in the join
  // link), unless the person chose the other one with the switch: that choice is kept.
  const chosenLang = (() => { try { return localStorage.getItem('dilemma-lang'); } catch (e) { return null; } })();
  const pageLang = chosenLang === 'nl' || chosenLang === 'en' ? chosenLang : (document.documentElement.dataset.lang === 'en' ? 'en' : 'nl');
  const params = new URLSearchParams(location.search);
  const st = {
    lang: pageLang, langChosen: chosenLang === 'nl' || chosenLang === 'en', code: normalise(params.get('code') || ''), team: '', token: null,
    session: null, tally: null, mine: {}, pending: null, card: null, notice: null,
    screen: 'form', formError: null, welcomed: false, attached: false, conn: 'idle', failures: 0,
    deadline: null, timeUpFor: null, revealedFor: null, agreements: [],
    guesses: {}, reasons: {}, shown: null, guess: null, draft: '', shownSaid: null
  };
  let ws = null;
  let retryTimer = null;
  let hiddenAt = 0;
  const t = () => TEXT[st.lang];
  // From how many answers a result shows: 3, or more in a stricter room (the session says so).
  const minGroup = () => (st.session && st.session.min_group) || 3;

  function normalise(code) {
    return String(code).toUpperCase().replace(/[\s-]/g, '');
  }

  const storeKey = code => 'dilemma:' + PAGE + ':' + code;
  function savedToken(code) {
    try { return sessionStorage.getItem(storeKey(code)); } catch (e) { return null; }
  }
  function saveToken(code, token) {
    try { if (token) sessionStorage.setItem(storeKey(code), token); else sessionStorage.removeItem(storeKey(code)); } catch (e) { /* private mode: resume only within this page */ }
  }

  // ---- connection ----------------------------------------------------------------------------

  function start() {
    if (!CODE.test(st.code)) { st.screen = 'form'; st.formError = st.code ? codeProblem(st.code) : null; render(); return; }
    st.token = st.token || savedToken(st.code);
    st.screen = 'live';
    connect();
  }

  function opening() {
    const protocol = Number(root.dataset.protocol);
    if (st.token) return { type: 'resume', protocol, code: st.code, token: st.token };
    if (PAGE === 'watch') return { type: 'watch', protocol, code: st.code };
    const m = { type: 'join', protocol, code: st.code };
    if (st.team) m.team = st.team;
    return m;
  }

  function connect() {
    clearTimeout(retryTimer);
    if (ws) { const old = ws; ws = null; old.close(); }
    st.conn = st.welcomed ? 'reconnecting' : 'connecting';
    st.attached = false;
    showStatus();
    const sock = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws = sock;
    sock.onopen = () => sock.send(JSON.stringify(opening()));
    sock.onmessage = e => { if (ws === sock) { let m; try { m = JSON.parse(e.data); } catch (err) { return; } onMessage(m); } };
    sock.onclose = e => { if (ws === sock) { ws = null; onClose(e); } };
  }

  function send(m) {
    if (ws && ws.readyState === WebSocket.OPEN && st.conn === 'open') { ws.send(JSON.stringify(m)); return true; }
    return false;
  }

  function stop(screen, message) {
    clearTimeout(retryTimer);
    if (ws) { const old = ws; ws = null; old.close(); }
    st.conn = 'idle';
    st.screen = screen;
    st.formError = message;
    showStatus();
    render();
  }

  function onClose(e) {
    if (e.code === 1000 && e.reason === ELSEWHERE) return stop('elsewhere', null);
    if (e.code === 1008) return stop('final', st.notice || t().mismatch);
    st.failures += 1;
    st.conn = st.welcomed ? 'reconnecting' : 'connecting';
    showStatus();
    render();
    const delay = Math.min(5000, 500 * Math.pow(2, Math.min(st.failures - 1, 4)));
    retryTimer = setTimeout(connect, delay);
  }

  function errorText(code, message) {
    return st.lang === 'nl' ? message : (t().errors[code] || message);
  }

  function onMessage(m) {
    switch (m.type) {
      case 'welcome': {
        st.welcomed = true; st.attached = true; st.conn = 'open'; st.failures = 0; st.screen = 'live';
        st.code = m.code; st.token = m.token; saveToken(m.code, m.token);
        st.mine = m.answers || {}; st.pending = null; st.notice = null;
        st.guesses = m.guesses || {}; st.reasons = m.reasons || {};
        if (params.get('code') !== m.code) history.replaceState(null, '', location.pathname + '?code=' + m.code);
        setSession(m.session);
        showStatus();
        break;
      }
      case 'session': setSession(m.session); break;
      case 'tally': st.tally = m; break;
      case 'answer_ack':
        st.mine[m.item] = m.option;
        if (st.pending && st.pending.item === m.item && st.pending.option === m.option) st.pending = null;
        break;
      case 'role': st.card = m; break;
      case 'agreements': st.agreements = m.agreements; break;
      case 'predicted': st.guesses[m.item] = m.percent; break;
      case 'reason_ack': if (m.text === null) delete st.reasons[m.item]; else st.reasons[m.item] = m.text; break;
      case 'shown': st.shown = m.reason; break;
      case 'error': return onError(m);
      default: return;
    }
    render();
  }

  function onError(m) {
    if (m.code === 'protocol_mismatch') { st.notice = t().mismatch; return stop('final', t().mismatch); }
    if (m.code === 'rate_limited' && st.attached) { st.notice = errorText(m.code, m.message); return render(); }
    if (!st.attached) {
      // The opening was refused: a wrong code, an ended or full session, or a token that no
      // longer resumes (also after a reconnect, when the server lost the session).
      const resumeRefused = (m.code === 'unauthorized' || m.code === 'unknown_session') && st.token;
      if (resumeRefused || m.code === 'unknown_session') { saveToken(st.code, null); st.token = null; }
      st.session = null; st.tally = null; st.card = null; st.welcomed = false;
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
    const now = s.item ? s.item.id : null;
    if (now !== before) { st.notice = null; st.pending = null; }
    if (st.tally && st.tally.item !== now) st.tally = null;
    st.deadline = s.timer ? performance.now() + s.timer.remaining_ms : null;
  }

  function showStatus() {
    const lost = st.conn === 'reconnecting' || (st.conn === 'connecting' && st.failures > 0);
    const text = st.conn === 'connecting' && st.failures === 0 ? t().connecting
      : lost ? (st.failures >= 3 ? t().reconnecting + ' ' + t().gone : t().reconnecting) : '';
    if (statusLine.textContent !== text) statusLine.textContent = text;
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

  // ---- drawing ---------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }

  function remainingMs() {
    return st.deadline === null ? null : Math.max(0, Math.round(st.deadline - performance.now()));
  }

  function clock(ms) {
    const s = Math.ceil(ms / 1000);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function render() {
    root.lang = st.lang;
    document.getElementById('title').textContent = st.session ? st.session.title : (PAGE === 'watch' ? t().show : t().join);
    const next = el('div', null, body());
    if (next.innerHTML === view.innerHTML) return;
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
    view.replaceChildren(...next.childNodes);
    if (focused) { const f = view.querySelector('[data-key="' + focused + '"]'); if (f) f.focus(); }
    announceChanges();
  }

  function body() {
    if (st.screen === 'form') return form();
    if (st.screen === 'elsewhere') {
      return [el('p', { text: t().elsewhere }),
        el('button', { type: 'button', class: 'primary', 'data-key': 'here', text: t().here, onclick: () => { st.screen = 'live'; connect(); render(); } })];
    }
    if (st.screen === 'final') {
      return [el('p', { class: 'notice', text: st.formError }),
        el('button', { type: 'button', class: 'primary', 'data-key': 'reload', text: t().reload, onclick: () => location.reload() })];
    }
    const s = st.session;
    if (!s) return null;
    const notice = st.notice ? el('p', { class: 'notice', role: 'alert', text: st.notice }) : null;
    if (s.phase === 'ended') {
      // The projector shows the group's agreements at the end (phones never get them).
      const agreed = (st.agreements || []).length ? [el('h2', { text: t().agreements }), el('ol', { class: 'agreements' }, st.agreements.map(a => el('li', { value: a.number, text: a.text })))] : [];
      return [el('p', { class: 'statement', text: PAGE === 'watch' ? t().endedWatch : t().ended }), agreed, notice];
    }
    if (!s.item) return [lobby(s), notice];
    return [latecomers(s), el('p', { class: 'muted', text: t().of(s.index + 1, s.count) }), item(s, s.item), notice];
  }

  function form() {
    const err = st.formError;
    const submit = e => {
      e.preventDefault();
      st.code = normalise(document.getElementById('code').value);
      const team = document.getElementById('team');
      st.team = team ? team.value.trim() : '';
      if (!CODE.test(st.code)) { st.formError = codeProblem(st.code); render(); document.getElementById('code').focus(); return; }
      if ([...st.team].length > 40) { st.formError = t().badTeam; render(); team.focus(); return; }
      st.formError = null; st.token = null;
      start();
      render();
    };
    const other = st.lang === 'nl' ? 'en' : 'nl';
    const switchLang = () => {
      st.lang = other; st.langChosen = true;
      try { localStorage.setItem('dilemma-lang', other); } catch (e) { /* private mode: for this page only */ }
      render();
    };
    return el('form', { onsubmit: submit, novalidate: true },
      el('button', { type: 'button', class: 'lang', 'data-key': 'lang', lang: other, onclick: switchLang, text: other === 'en' ? 'English' : 'Nederlands' }),
      el('label', { for: 'code', text: t().code }),
      el('p', { id: 'code-hint', class: 'muted', text: t().codeHint }),
      el('input', { id: 'code', name: 'code', value: st.code, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 12, 'aria-describedby': err ? 'code-hint form-error' : 'code-hint', 'aria-invalid': err ? 'true' : null }),
      PAGE === 'play' ? [
        el('label', { for: 'team', text: t().team }),
        el('p', { id: 'team-hint', class: 'muted', text: t().teamHint }),
        el('input', { id: 'team', name: 'team', value: st.team, autocomplete: 'organization', maxlength: 40, 'aria-describedby': 'team-hint' })
      ] : null,
      err ? el('p', { id: 'form-error', class: 'notice', role: 'alert', text: err }) : null,
      el('button', { type: 'submit', class: 'primary', 'data-key': 'submit', text: PAGE === 'watch' ? t().show : t().join }));
  }

  function lobby(s) {
    if (PAGE === 'play') return [el('p', { class: 'statement', text: t().welcome }), el('p', { class: 'muted', text: t().noRight })];
    return [
      el('div', { class: 'join' }, qr(s.code, 256),
        el('div', null, el('p', { text: t().joinAt }), el('p', { class: 'address', text: joinAddress(s.code) }), el('p', { class: 'code', text: s.code }))),
      root.dataset.loopback === 'true' ? el('p', { class: 'notice', text: t().loopback }) : null,
      el('p', { class: 'statement', text: t().participants(s.participants) })
    ];
  }

  // On the projector, while a statement or sketch is on screen: the code and a small QR code in the
  // top corner (beside the text, never over a result), so that whoever comes in late can still join.
  function latecomers(s) {
    if (PAGE !== 'watch') return null;
    return el('aside', { class: 'corner', 'aria-label': t().joinAt }, qr(s.code, 96), el('p', { class: 'code', text: s.code }));
  }

  // Where phones join the session with this code, and that address as a QR code of this size.
  function joinAddress(code) {
    return root.dataset.join + '/?code=' + code;
  }
  function qr(code, size) {
    return el('img', { src: '/qr.svg?code=' + encodeURIComponent(code), alt: t().qr + ': ' + joinAddress(code), width: size, height: size });
  }

  function item(s, it) {
    const out = [];
    const left = remainingMs();
    const playing = left !== null && left > 0;
    if (it.kind === 'sketch') {
      out.push(el('h2', { text: it.title || '' }));
      const card = st.card && st.card.item === it.id ? st.card : null;
      if (card) {
        out.push(el('section', { class: 'card private', 'aria-label': t().yourRole + ' ' + card.role },
          el('h3', { text: t().yourRole + ' ' + card.role }), el('p', { text: card.briefing }), el('p', { class: 'muted', text: t().onlyYou })));
      } else if (PAGE === 'play') {
        out.push(el('p', { class: 'muted', text: t().audience }));
      }
      out.push(el('div', { class: 'card' }, el('p', { text: it.situation || '' })));
      if (left !== null) {
        out.push(el('p', { class: 'countdown', id: 'countdown', role: 'timer', 'aria-label': t().timeLeft }, clock(left)));
        // Said aloud once (the live region), and written where everyone looks.
        if (left === 0) out.push(el('p', { class: 'time-up', text: t().timeUp }));
      }
      // The scene is over (its time is up, or the facilitator opened its statement early): discuss.
      const over = left === 0 || (left === null && s.phase !== 'scene');
      if (over && it.questions && it.questions.length) {
        out.push(el('h3', { text: t().discuss }), el('ul', null, it.questions.map(q => el('li', { text: q }))));
      }
    }
    if (it.kind === 'question') {
      out.push(el('p', { class: 'statement', text: it.statement || '' }), el('p', { class: 'muted', text: t().openQuestion }));
    } else if (it.statement && !playing && s.phase !== 'scene') {
      out.push(el('p', { class: 'statement', text: it.statement }));
      out.push(answers(s, it));
    } else if (!playing && (it.kind === 'dilemma' || s.phase === 'closed')) {
      out.push(el('p', { class: 'muted', text: t().wait }));
    }
    // A reason the facilitator put on the projector: its text and the option, never who.
    const sh = st.shown && st.shown.item === it.id ? st.shown : null;
    if (sh) out.push(el('blockquote', { class: 'card shown' }, el('p', { text: '“' + sh.text + '”' }), el('p', { class: 'muted', text: t().shownFor(label(it, sh.option)) })));
    return out;
  }

  const label = (it, id) => (it.options.find(o => o.id === id) || { label: id }).label;

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

  function answers(s, it) {
    const chosen = st.pending && st.pending.item === it.id ? st.pending.option : st.mine[it.id];
    if (s.phase === 'revealed') return result(it, chosen);
    if (PAGE !== 'play' || (s.phase !== 'open' && s.phase !== 'closed')) {
      return el('p', { class: 'statement muted', text: t().answers(s.answered) });
    }
    const open = s.phase === 'open' && st.conn === 'open';
    const buttons = it.options.map((o, i) => el('button', {
      type: 'button', class: 'option', 'data-key': 'opt-' + o.id, 'aria-pressed': String(chosen === o.id), disabled: !open,
      onclick: () => answer(it.id, o.id)
    }, el('span', { class: 'tick', 'aria-hidden': 'true' }, chosen === o.id ? '✓' : String(i + 1)), el('span', { text: o.label })));
    const note = s.phase === 'closed' ? t().closed : st.pending ? t().saving : st.mine[it.id] ? t().saved : t().choose;
    return [el('div', { role: 'group', 'aria-label': it.statement }, buttons), el('p', { class: 'muted', id: 'answer-note', role: 'status', text: note }),
      open && st.mine[it.id] ? extras(it) : null];
  }

  function result(it, chosen) {
    const tally = st.tally && st.tally.item === it.id ? st.tally : null;
    if (!tally) return el('p', { class: 'muted', text: t().wait });
    // In a follow-up: the earlier session's result under each bar, with the shift in points.
    const earlier = tally.earlier || null;
    const then = earlier && !earlier.withheld ? earlier : null;
    const about = earlier ? el('p', { class: 'then-about', text: earlier.withheld ? t().thenFew(t().day(earlier.date)) : t().thenNow(t().day(earlier.date), t().answers(earlier.total)) }) : null;
    if (tally.withheld) return [el('h2', { text: t().result }), about, el('p', { class: 'withheld', text: t().withheld(tally.withheld, minGroup()) })].filter(Boolean);
    const width = pct => { const span = el('span'); span.style.width = pct + '%'; return span; };
    const list = (counts, percentages, mark, then) => el('ul', { class: 'result' }, it.options.map(o => {
      const pct = percentages[o.id] || 0;
      const before = then ? then.percentages[o.id] || 0 : 0;
      const shift = then && then.shift && o.id in then.shift ? ' · ' + t().shift(then.shift[o.id]) : '';
      return el('li', null,
        el('div', { class: 'row' }, el('span', { class: 'label', text: o.label + (mark && chosen === o.id ? ' (' + t().mine + ')' : '') }),
          el('span', { class: 'pct', text: pct + '%' })),
        el('div', { class: 'bar', 'aria-hidden': 'true' }, width(pct)),
        then ? el('div', { class: 'bar then', 'aria-hidden': 'true' }, width(before)) : null,
        then ? el('p', { class: 'then-row', text: t().then + ' ' + before + '%' + shift }) : null);
    }));
    const held = tally.held_back ? el('p', { class: 'withheld', text: t().heldBack(tally.held_back) }) : null;
    const out = [el('h2', { text: t().result + ' · ' + t().answers(tally.total) }), about, held, list(tally.counts, tally.percentages, PAGE === 'play', then), thought(it, tally)].filter(Boolean);
    const teams = Object.entries(tally.teams || {});
    if (teams.length) {
      out.push(el('h3', { text: t().teams(minGroup()) }));
      for (const [name, team] of teams) out.push(el('h4', { text: name + ' · ' + t().answers(team.total) }), list(team.counts, team.percentages, false));
    }
    return out;
  }

  // The room's average guess beside the real share ("we thought 30%; it was 62%").
  function thought(it, tally) {
    const p = tally.prediction;
    return p ? el('p', { class: 'thought', text: t().thought(p.average, label(it, p.option).toLowerCase(), tally.percentages[p.option] || 0) }) : null;
  }

  // The reveal, a reason put on screen and the end of a countdown are said aloud once, through the live region.
  function announceChanges() {
    const s = st.session;
    if (!s || !s.item) return;
    const it = s.item;
    if (s.phase === 'revealed' && st.tally && st.tally.item === it.id && st.revealedFor !== it.id) {
      st.revealedFor = it.id;
      say(st.tally.withheld ? t().withheld(st.tally.withheld, minGroup())
        : t().revealed(it.options.map(o => o.label + ' ' + (st.tally.percentages[o.id] || 0) + '%'
          + (st.tally.earlier && !st.tally.earlier.withheld ? ' (' + t().then + ' ' + (st.tally.earlier.percentages[o.id] || 0) + '%)' : '')).join(', '))
          + (st.tally.prediction ? '. ' + thought(it, st.tally).textContent : ''));
    }
    const sh = st.shown && st.shown.item === it.id ? st.shown.text : null;
    if (sh && st.shownSaid !== sh) say('“' + sh + '” ' + t().shownFor(label(it, st.shown.option)));
    st.shownSaid = sh;
    if (s.phase !== 'revealed' && st.revealedFor === it.id) st.revealedFor = null;
  }

  function say(text) {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 50);
  }

  function tick() {
    const left = remainingMs();
    const c = document.getElementById('countdown');
    if (left === null || !c) return;
    const text = clock(left);
    if (c.textContent !== text) c.textContent = text;
    const id = st.session && st.session.item ? st.session.item.id + ':' + Math.round(st.deadline) : null;
    if (left === 0 && st.timeUpFor !== id) {
      st.timeUpFor = id;
      say(t().timeUp);
      render();
    }
  }

  // A phone that slept may hold a dead socket: after a while away, connect again at once.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { hiddenAt = Date.now(); return; }
    if (st.screen !== 'live') return;
    if (!ws || ws.readyState > WebSocket.OPEN || Date.now() - hiddenAt > 20000) connect();
  });
  // Number keys answer, as on the desktop client: 1 is the first option.
  document.addEventListener('keydown', e => {
    if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA)$/.test(e.target.tagName)) return;
    const s = st.session;
    const n = Number(e.key);
    if (PAGE !== 'play' || !s || !s.item || !s.item.options || !(n >= 1 && n <= s.item.options.length)) return;
    const b = view.querySelector('[data-key="opt-' + s.item.options[n - 1].id + '"]');
    if (b && !b.disabled) { e.preventDefault(); b.click(); b.focus(); }
  });
  window.addEventListener('online', () => { if (st.screen === 'live' && st.conn !== 'open') connect(); });
  setInterval(tick, 250);

  if (st.code && (savedToken(st.code) || PAGE === 'watch')) start();
  render();
})();
