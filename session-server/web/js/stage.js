// The projector as a stage that never scrolls: text shrinks toward its floor until a state fits its
// screen, and a list that still does not fit (teams, questions, agreements) is shown a page at a
// time, turning every few seconds.

// How long a page stays (a test may ask for shorter turns with ?turn=MS in the address).
const TURN_MS = Number(new URLSearchParams(location.search).get('turn')) || 8000;
let turn = 0;
let stage = null;
let drawn = '';
let timer = null;

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

// Sets `box`'s text to the largest size (`--fit` from `lo`, where 0 is every text at its floor,
// to 1, its full size) at which it and the regions in it fit, found in `steps` halvings.
function shrink(box, lo = 0, steps = 5) {
  box.style.setProperty('--fit', '1');
  if (!crowded(box)) return;
  let hi = 1;
  for (let i = 0; i < steps; i += 1) {
    const mid = (lo + hi) / 2;
    box.style.setProperty('--fit', String(mid));
    if (crowded(box)) hi = mid; else lo = mid;
  }
  box.style.setProperty('--fit', String(lo));
}

// Where each of `items` begins and ends, measured from the top of the first.
function extents(items) {
  const top = items.length ? items[0].getBoundingClientRect().top : 0;
  return items.map(i => { const r = i.getBoundingClientRect(); return [r.top - top, r.bottom - top]; });
}

// Chunks of items (first and last index) whose extents fit in `room`, at least one item each.
function chunks(spans, room) {
  const out = [];
  let first = 0;
  while (first < spans.length) {
    let last = first;
    while (last + 1 < spans.length && spans[last + 1][1] - spans[first][0] <= room) last += 1;
    out.push([first, last]);
    first = last + 1;
  }
  return out;
}

// Splits the items of `list` into pages that fit its region, from one measurement of where they
// are. An item too tall for a page that holds a list of its own (the teams under their heading)
// is shown in parts: that item alone, with a part of its list, per page.
function paginate(list) {
  const region = list.parentElement.closest('[data-region]') || stage;
  const items = [...list.children];
  unpage(list);
  if (!overflows(region) || items.length < 2 && !list.querySelector('[data-pages]')) return;
  const marker = document.createElement('p');
  marker.className = 'page-of';
  marker.textContent = '0';
  list.after(marker);
  const room = Math.max(1, region.clientHeight - (region.scrollHeight - list.offsetHeight) - 2);
  const spans = extents(items);
  const pages = [];
  for (const [first, last] of chunks(spans, room)) {
    const inner = first === last && spans[first][1] - spans[first][0] > room ? items[first].querySelector('[data-pages]') : null;
    if (!inner) { pages.push({ first, last, part: null }); continue; }
    const parts = [...inner.children];
    const own = items[first].offsetHeight - inner.offsetHeight;
    for (const part of chunks(extents(parts), room - own)) pages.push({ first, last, part, inner });
  }
  list.pages = pages;
  show(list);
}

// Shows every item of `list` again, as drawn.
function unpage(list) {
  list.pages = null;
  for (const item of list.querySelectorAll('[hidden]')) item.hidden = false;
  const note = list.nextElementSibling;
  if (note && note.classList.contains('page-of')) note.remove();
}

// Shows the page of `list` that it is the turn of, and says which it is.
function show(list) {
  const pages = list.pages;
  if (!pages) return;
  const at = turn % pages.length;
  const page = pages[at];
  [...list.children].forEach((item, i) => { item.hidden = i < page.first || i > page.last; });
  if (page.inner) [...page.inner.children].forEach((item, i) => { item.hidden = i < page.part[0] || i > page.part[1]; });
  const note = list.nextElementSibling;
  note.textContent = list.dataset.pages.replace('{i}', at + 1).replace('{n}', pages.length);
}

// Lays out a freshly drawn state on `view`: text as large as fits, then lists in pages.
// (Each layout is measured as "stage-layout" in the page's performance timeline.)
export function layout(view) {
  const began = performance.now();
  stage = view;
  const lists = outer(view);
  // A new state (other lists, another heading) starts at its first page, shown for a whole turn;
  // a redraw of the same one (another answer came in) keeps turning where it was.
  const state = lists.map(l => l.textContent.length + ':' + l.children.length).join() + (view.querySelector('.head') || view).textContent;
  if (state !== drawn) {
    drawn = state;
    turn = 0;
    clearInterval(timer);
    timer = setInterval(next, TURN_MS);
  }
  // Everything shrinks toward its floor; a list that still does not fit comes in pages; then a
  // region beside it without such a list (the chart beside the teams) grows back as far as it fits.
  for (const r of view.querySelectorAll('[data-region]')) r.style.removeProperty('--fit');
  lists.forEach(unpage);
  shrink(view);
  lists.forEach(paginate);
  // With its lists in pages the state may fit larger again (the heading need not stay small):
  // grow, page again at that size, and shrink once more should a page still not fit.
  if (lists.some(l => l.pages)) {
    shrink(view, Number(view.style.getPropertyValue('--fit')), 3);
    lists.forEach(paginate);
    if (crowded(view)) { shrink(view); lists.forEach(paginate); }
  }
  const paged = lists.filter(l => l.pages);
  if (paged.length) {
    const fit = view.style.getPropertyValue('--fit');
    for (const r of view.querySelectorAll('[data-region]')) {
      if (paged.some(l => r.contains(l) || l.contains(r))) continue;
      shrink(r, Number(fit), 3);
      if (crowded(view)) r.style.setProperty('--fit', fit);
    }
  }
  performance.measure('stage-layout', { start: began });
}

// The lists to page, without those inside another (their parent pages them).
function outer(view) {
  return [...view.querySelectorAll('[data-pages]')].filter(l => !l.parentElement.closest('[data-pages]'));
}

// A window made full screen, or the typeface arriving after the first drawing, lays the state out again.
let again = null;
function relayout() {
  clearTimeout(again);
  again = setTimeout(() => { if (stage) layout(stage); }, 100);
}
window.addEventListener('resize', relayout);
if (document.fonts) document.fonts.addEventListener('loadingdone', relayout);

function next() {
  turn += 1;
  if (stage) for (const list of outer(stage)) show(list);
}
