// The protocol client every page uses (protocol v1 over /ws): connect, send the opening, resume with
// back-off after a lost connection or a phone that slept, and tell final closes from passing ones.

// The reason the server gives when the same seat was opened in another window.
const ELSEWHERE = 'elders opnieuw verbonden';

// A websocket to this server's /ws, over TLS where the page came over it.
const socket = () => new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');

// `on` has: opening() the first message (join, watch, resume, …); message(m) every message after it;
// status() after every change of the connection's state; closed(kind) for a final close, where kind
// is 'elsewhere' (opened in another window) or 'refused' (policy: the page is out of date).
export function connection(on) {
  let ws = null;
  let retry = null;
  let hiddenAt = 0;
  const c = {
    // idle, connecting, reconnecting or open (open: the server accepted the opening).
    state: 'idle', failures: 0, welcomed: false, live: false,
    connect() {
      clearTimeout(retry);
      if (ws) { const old = ws; ws = null; old.close(); }
      c.live = true;
      c.state = c.welcomed ? 'reconnecting' : 'connecting';
      on.status();
      const sock = socket();
      ws = sock;
      sock.onopen = () => sock.send(JSON.stringify(on.opening()));
      sock.onmessage = e => {
        if (ws !== sock) return;
        let m;
        try { m = JSON.parse(e.data); } catch (err) { return; }
        if (m.type === 'welcome') { c.welcomed = true; c.state = 'open'; c.failures = 0; on.status(); }
        on.message(m);
      };
      sock.onclose = e => { if (ws === sock) { ws = null; closed(e); } };
    },
    // Sends `m` when the opening was accepted; false when it could not go.
    send(m) {
      if (ws && ws.readyState === WebSocket.OPEN && c.state === 'open') { ws.send(JSON.stringify(m)); return true; }
      return false;
    },
    // Closes for good (until connect is called again).
    stop() {
      clearTimeout(retry);
      c.live = false;
      if (ws) { const old = ws; ws = null; old.close(); }
      c.state = 'idle';
      on.status();
    },
    // Whether a connection that worked was lost and is being tried again.
    lost() {
      return c.state === 'reconnecting' || (c.state === 'connecting' && c.failures > 0);
    }
  };

  function closed(e) {
    if (e.code === 1000 && e.reason === ELSEWHERE) { c.stop(); on.closed('elsewhere'); return; }
    if (e.code === 1008) { c.stop(); on.closed('refused'); return; }
    c.failures += 1;
    c.state = c.welcomed ? 'reconnecting' : 'connecting';
    on.status();
    const delay = Math.min(5000, 500 * Math.pow(2, Math.min(c.failures - 1, 4)));
    retry = setTimeout(c.connect, delay);
  }

  // A phone that slept may hold a dead socket: after a while away, connect again at once.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { hiddenAt = Date.now(); return; }
    if (!c.live) return;
    if (!ws || ws.readyState > WebSocket.OPEN || Date.now() - hiddenAt > 20000) c.connect();
  });
  window.addEventListener('online', () => { if (c.live && c.state !== 'open') c.connect(); });
  return c;
}

// One question outside a session (list_scenarios, save_deck): a socket of its own, the message,
// the first answer, closed. Resolves with the answer, or with null when the server cannot be reached.
export function ask(m) {
  return new Promise(resolve => {
    const sock = socket();
    let done = false;
    const finish = v => { if (!done) { done = true; resolve(v); sock.close(); } };
    sock.onopen = () => sock.send(JSON.stringify(Object.assign({ protocol: Number(document.documentElement.dataset.protocol) }, m)));
    sock.onmessage = e => { try { finish(JSON.parse(e.data)); } catch (err) { finish(null); } };
    sock.onclose = () => finish(null);
    sock.onerror = () => finish(null);
  });
}
