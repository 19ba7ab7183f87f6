// The projector as a stage that never scrolls: text shrinks toward its floor until a state fits its
// screen, and a list that still does not fit (teams, questions, agreements) is shown a page at a
// time, turning every few seconds.

const TURN_MS = 8000;
let turn = 0;
let stage = null;

// Whether anything in `box` reaches past its bottom or right edge (or the window's).
function overflows(box) {
  const doc = document.documentElement;
  return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1
    || doc.scrollHeight > window.innerHeight || doc.scrollWidth > window.innerWidth;
}

// Every region (`data-region`: a box of fixed size) whose content overflows it.
function crowded(view) {
  return [view, ...view.querySelectorAll('[data-region]')].some(overflows);
}

// The largest text size (`--fit` from 0, every text at its floor, to 1, its full size) at which
// the state fits.
function shrink(view) {
  view.style.setProperty('--fit', '1');
  if (!crowded(view)) return;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 7; i += 1) {
    const mid = (lo + hi) / 2;
    view.style.setProperty('--fit', String(mid));
    if (crowded(view)) hi = mid; else lo = mid;
  }
  view.style.setProperty('--fit', String(lo));
}

// Splits `list`'s items into pages that fit its region, from one measurement of where they are.
function paginate(list) {
  const region = list.closest('[data-region]') || stage;
  const items = [...list.children];
  items.forEach(i => { i.hidden = false; });
  const note = list.nextElementSibling && list.nextElementSibling.classList.contains('page-of') ? list.nextElementSibling : null;
  if (note) note.remove();
  list.pages = null;
  if (!overflows(region) || items.length < 2) return;
  // The room the list has: its region's height without what stands around it (and a line for "1 of 3").
  const marker = document.createElement('p');
  marker.className = 'page-of';
  marker.textContent = '0';
  list.after(marker);
  const top = list.getBoundingClientRect().top;
  const around = region.scrollHeight - list.offsetHeight;
  const room = Math.max(1, region.clientHeight - around - 2);
  const tops = items.map(i => i.getBoundingClientRect().top - top);
  const bottoms = items.map(i => i.getBoundingClientRect().bottom - top);
  const pages = [];
  let first = 0;
  while (first < items.length) {
    let last = first;
    while (last + 1 < items.length && bottoms[last + 1] - tops[first] <= room) last += 1;
    pages.push([first, last]);
    first = last + 1;
  }
  list.pages = pages;
  show(list);
}

// Shows the page of `list` that it is the turn of, and says which it is.
function show(list) {
  const pages = list.pages;
  if (!pages) return;
  const at = turn % pages.length;
  const [first, last] = pages[at];
  [...list.children].forEach((item, i) => { item.hidden = i < first || i > last; });
  const note = list.nextElementSibling;
  note.textContent = list.dataset.pages.replace('{i}', at + 1).replace('{n}', pages.length);
}

// Lays out a freshly drawn state on `view`: text as large as fits, then lists in pages.
export function layout(view) {
  stage = view;
  shrink(view);
  for (const list of view.querySelectorAll('[data-pages]')) paginate(list);
}

setInterval(() => {
  turn += 1;
  if (stage) for (const list of stage.querySelectorAll('[data-pages]')) show(list);
}, TURN_MS);
