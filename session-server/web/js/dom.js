// Small helpers every page uses: markup from data, the clock, the live region, a shift in points.

// An element with attributes (`text` is its text, `on…` a listener) and children (nested arrays and nulls allowed).
export function el(tag, attrs, ...children) {
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

// Milliseconds left as m:ss, rounded up (the last second shows 0:01, not 0:00).
export function clock(ms) {
  const s = Math.ceil(ms / 1000);
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

// Says `text` once through the page's live region.
export function say(text) {
  const announcer = document.getElementById('announce');
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// A shift in percentage points, with its sign spelled out.
export function points(p, same, one, many) {
  return p === 0 ? same : (p > 0 ? '+' : '−') + Math.abs(p) + ' ' + (Math.abs(p) === 1 ? one : many);
}
