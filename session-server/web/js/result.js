// A statement's result as every page draws it: one bar per option in the option's colour, with its
// number, label and percentage beside it; the earlier session's bar under today's in a follow-up;
// the room's guess; and each team as one bar split by option.
import { el } from './dom.js';

// The option's place (1 to 6), which picks its colour (`data-o`) and the number on it.
const place = (it, id) => it.options.findIndex(o => o.id === id) % 6 + 1;

// A bar's filled part at `pct` percent (the width is set on the element, never as markup: the page's CSP).
function fill(pct, o) {
  const span = el('span', { 'data-o': o });
  span.style.width = pct + '%';
  return span;
}

// The room's average guess beside the real share ("we thought 30%; it was 62%").
export function thoughtText(it, tally, t) {
  const p = tally.prediction;
  const option = it.options.find(o => o.id === p.option);
  return t.thought(p.average, (option ? option.label : p.option).toLowerCase(), tally.percentages[p.option] || 0);
}

// The bars of `it` for `percentages`; `chosen` marks the viewer's own answer, `then` is the earlier
// session's result to draw under each bar.
export function bars(it, percentages, t, chosen, then) {
  return el('ul', { class: 'result' }, it.options.map(o => {
    const pct = percentages[o.id] || 0;
    const n = place(it, o.id);
    const before = then ? then.percentages[o.id] || 0 : 0;
    const shift = then && then.shift && o.id in then.shift ? ' · ' + t.shift(then.shift[o.id]) : '';
    return el('li', { 'data-o': n, class: chosen === o.id ? 'mine' : null },
      el('div', { class: 'row' },
        el('span', { class: 'num', 'aria-hidden': 'true', text: String(n) }),
        el('span', { class: 'label', text: o.label + (chosen === o.id ? ' (' + t.mine + ')' : '') }),
        el('span', { class: 'pct', text: pct + '%' })),
      el('div', { class: 'bar', 'aria-hidden': 'true' }, fill(pct, n)),
      then ? el('div', { class: 'bar then', 'aria-hidden': 'true' }, fill(before, 'then')) : null,
      then ? el('p', { class: 'then-row', text: t.then + ' ' + before + '%' + shift }) : null);
  }));
}

// Every team that has enough answers as one bar split by option, its shares written in the parts
// that are wide enough and all of them in the bar's text alternative.
export function teamBars(it, teams, t, min) {
  const rows = teams.map(([name, team]) => {
    const parts = it.options.map(o => [o, team.percentages[o.id] || 0]);
    const said = parts.map(([o, p]) => o.label + ' ' + p + '%').join(', ');
    return el('li', null,
      el('p', { class: 'team-name', text: name + ' · ' + t.answers(team.total) }),
      el('div', { class: 'stack', role: 'img', 'aria-label': name + ': ' + said },
        parts.filter(([, p]) => p > 0).map(([o, p]) => {
          const part = fill(p, place(it, o.id));
          if (p >= 15) part.textContent = p + '%';
          return part;
        })));
  });
  return [el('h3', { text: t.teams(min) }), el('p', { class: 'muted teams-note', text: t.teamsNote }), el('ul', { class: 'teams', 'data-pages': t.pageOf('{i}', '{n}') }, rows)];
}

// The whole result of `it` for `tally`: `main` (the heading, a follow-up's note, the bars) and
// `side` (the guess and the teams), which a page puts under or beside each other.
export function result(it, tally, t, min, chosen) {
  const earlier = tally.earlier || null;
  const then = earlier && !earlier.withheld ? earlier : null;
  const about = earlier ? el('p', { class: 'then-about', text: earlier.withheld ? t.thenFew(t.day(earlier.date)) : t.thenNow(t.day(earlier.date), t.answers(earlier.total)) }) : null;
  if (tally.withheld) return { main: [el('h2', { text: t.result }), about, el('p', { class: 'withheld', text: t.withheld(tally.withheld, min) })], side: [] };
  const held = tally.held_back ? el('p', { class: 'withheld', text: t.heldBack(tally.held_back) }) : null;
  const teams = Object.entries(tally.teams || {});
  return {
    main: [el('h2', { text: t.result + ' · ' + t.answers(tally.total) }), about, held, bars(it, tally.percentages, t, chosen, then)],
    side: [tally.prediction ? el('p', { class: 'thought', text: thoughtText(it, tally, t) }) : null, teams.length ? teamBars(it, teams, t, min) : null]
  };
}
