//! `session-server report`: one report for a series of sessions (a first conversation and its
//! follow-ups) or any set chosen by code: per theme, each item's results over time with the shift,
//! and the agreements with whether they were kept. Markdown with an SVG chart per item, and CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::store::Db;
use plotters::prelude::*;

use super::{ExportError, ItemReport, Report, csv_field, md, read_report};
use protocol::date::utc_day as day;
use protocol::scenario::agreement_item;

/// The sessions of a report, oldest first, and which earlier session each follows.
pub struct Series {
    pub sessions: Vec<Report>,
    follows: BTreeMap<String, String>,
}

/// Every session in the series of `code`: the sessions it follows, back to the first, and every
/// follow-up after it.
pub fn series_of(db: &Db, code: &str) -> Result<Vec<String>, ExportError> {
    let code = protocol::codes::normalize(code).unwrap_or_else(|| code.to_owned());
    let mut root = code.clone();
    let mut seen = vec![root.clone()];
    while let Some(earlier) = db.earlier_of(&root)? {
        if seen.contains(&earlier) {
            break;
        }
        seen.push(earlier.clone());
        root = earlier;
    }
    let mut codes = vec![root];
    let mut i = 0;
    while i < codes.len() {
        for c in db.follow_ups_of(&codes[i])? {
            // Each session once, whatever the links say.
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        i += 1;
    }
    Ok(codes)
}

/// Reads the sessions with these codes, oldest first.
pub fn read(db: &Db, codes: &[String]) -> Result<Series, ExportError> {
    let mut sessions = codes.iter().map(|c| read_report(db, c)).collect::<Result<Vec<_>, _>>()?;
    sessions.sort_by_key(|r| r.created_ms);
    sessions.dedup_by(|a, b| a.code == b.code);
    let mut follows = BTreeMap::new();
    for s in &sessions {
        if let Some(e) = db.earlier_of(&s.code)? {
            follows.insert(s.code.clone(), e);
        }
    }
    Ok(Series { sessions, follows })
}

/// One item through the series: its latest text and themes, and its report in each session (if any).
struct Row<'a> {
    id: &'a str,
    text: &'a str,
    themes: &'a [String],
    per_session: Vec<Option<&'a ItemReport>>,
}

impl Row<'_> {
    /// Whether some session played it with something to answer.
    fn played(&self) -> bool {
        self.per_session.iter().flatten().any(|i| i.played && i.tally.is_some())
    }
}

impl Series {
    fn rows(&self) -> Vec<Row<'_>> {
        let mut order: Vec<&str> = Vec::new();
        for s in &self.sessions {
            for it in &s.items {
                if !order.contains(&it.id.as_str()) {
                    order.push(&it.id);
                }
            }
        }
        order
            .into_iter()
            .map(|id| {
                let per_session: Vec<Option<&ItemReport>> = self.sessions.iter().map(|s| s.items.iter().find(|i| i.id == id)).collect();
                let latest = per_session.iter().rev().flatten().next().expect("an item of some session");
                Row { id, text: &latest.text, themes: &latest.themes, per_session }
            })
            .collect()
    }

    /// Option (id, label) of an item, from the latest session that has it.
    fn options(&self, id: &str) -> Vec<(&str, &str)> {
        self.sessions.iter().rev().find_map(|s| s.option_labels(id)).unwrap_or_default()
    }

    /// The report as Markdown; each chart is named `grafiek-ITEM.svg`, as [`Series::charts`] writes them.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let first = &self.sessions[0];
        let _ = writeln!(out, "# Verslag van de reeks: {}\n", md(&first.title));
        for (n, s) in self.sessions.iter().enumerate() {
            let _ = writeln!(out, "{}. **{}** — sessie `{}`, {}", n + 1, md(&s.title), s.code, day(s.created_ms));
        }
        let _ = writeln!(
            out,
            "\nAlleen groepsuitslagen; een uitslag pas vanaf 3 antwoorden. De verschuiving is die van de eerste naar de laatste keer dat een stelling gespeeld is, in procentpunten.\n"
        );
        let rows = self.rows();
        let mut by_theme: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.played()) {
            if r.themes.is_empty() {
                by_theme.entry("zonder thema").or_default().push(r);
            }
            for t in r.themes {
                by_theme.entry(t).or_default().push(r);
            }
        }
        for (theme, rows) in &by_theme {
            let _ = writeln!(out, "## Thema: {}\n", md(theme));
            for r in rows {
                self.item_md(&mut out, r);
            }
        }
        self.agreements_md(&mut out);
        let unplayed: Vec<String> = rows.iter().filter(|r| !r.played()).map(|r| md(r.text)).collect();
        if let Some(line) = crate::report::not_played(&unplayed) {
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// The strictest minimum group of the series' sessions: a result one of its rooms would not
    /// show is not shown beside the others either.
    fn min_group(&self) -> protocol::MinGroup {
        self.sessions.iter().map(|s| s.deck.min_group).max().unwrap_or_default()
    }

    fn item_md(&self, out: &mut String, r: &Row) {
        let _ = writeln!(out, "### {}\n\n![{}](grafiek-{}.svg)\n", md(r.text), md(r.text), r.id);
        let dates: Vec<String> = self.sessions.iter().map(|s| day(s.created_ms)).collect();
        let _ = writeln!(out, "| | {} | verschuiving |", dates.join(" | "));
        let _ = writeln!(out, "|---|{}---|", "---|".repeat(dates.len()));
        let k = self.min_group();
        let shown: Vec<_> = r.per_session.iter().map(|i| i.and_then(|i| i.tally.as_ref()).filter(|t| k.allows(t.total))).collect();
        let (first, last) = (shown.iter().flatten().next(), shown.iter().flatten().last());
        for (id, label) in self.options(r.id) {
            let cells: Vec<String> = r
                .per_session
                .iter()
                .map(|i| match i.and_then(|i| i.tally.as_ref()) {
                    None => "—".to_owned(),
                    Some(t) if t.withheld > 0 => "te weinig".to_owned(),
                    Some(t) if t.total == 0 => "—".to_owned(),
                    Some(t) => format!("{}% ({})", t.percentages.get(id).copied().unwrap_or(0), t.counts.get(id).copied().unwrap_or(0)),
                })
                .collect();
            let shift = match (first, last) {
                (Some(a), Some(b)) if !std::ptr::eq(*a, *b) => {
                    let d = i64::from(b.percentages.get(id).copied().unwrap_or(0)) - i64::from(a.percentages.get(id).copied().unwrap_or(0));
                    format!("{d:+}")
                }
                _ => String::new(),
            };
            let _ = writeln!(out, "| {} | {} | {shift} |", md(label), cells.join(" | "));
        }
        out.push('\n');
    }

    fn agreements_md(&self, out: &mut String) {
        if self.sessions.iter().all(|s| s.agreements.is_empty()) {
            return;
        }
        let _ = writeln!(out, "## Afspraken\n");
        for s in &self.sessions {
            for a in &s.agreements {
                let _ = write!(out, "- {} *(sessie {}, {})* — ", md(&a.text), s.code, day(s.created_ms));
                let asked = self.sessions.iter().find(|later| self.follows.get(&later.code) == Some(&s.code)).and_then(|later| {
                    let item = later.items.iter().find(|i| i.id == agreement_item(a.number))?;
                    Some((later, item.tally.as_ref()?))
                });
                match asked {
                    Some((later, t)) if self.min_group().allows(t.total) => {
                        let parts: Vec<String> = later
                            .option_labels(&agreement_item(a.number))
                            .unwrap_or_default()
                            .iter()
                            .map(|(id, l)| format!("{} {}%", md(l), t.percentages.get(*id).copied().unwrap_or(0)))
                            .collect();
                        let _ = writeln!(out, "op {}: {}", day(later.created_ms), parts.join(" · "));
                    }
                    Some((later, _)) => {
                        let _ = writeln!(out, "op {}: te weinig antwoorden om te tonen", day(later.created_ms));
                    }
                    None => {
                        let _ = writeln!(out, "nog niet nagevraagd");
                    }
                }
            }
        }
        out.push('\n');
    }

    /// Semicolon-separated, formula-safe, with a byte-order mark (Excel with Dutch settings):
    /// one row per theme, item, session and option.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}thema;item;stelling;sessie;datum;antwoorden;optie;label;aantal;percentage\r\n");
        for r in self.rows() {
            let themes: Vec<&str> = if r.themes.is_empty() { vec![""] } else { r.themes.iter().map(String::as_str).collect() };
            for theme in themes {
                for (s, it) in self.sessions.iter().zip(&r.per_session) {
                    let Some(t) = it.filter(|i| i.played).and_then(|i| i.tally.as_ref()) else { continue };
                    for (id, label) in self.options(r.id) {
                        let _ = write!(
                            out,
                            "{};{};{};{};{};{};{};{};{};{}\r\n",
                            csv_field(theme),
                            csv_field(r.id),
                            csv_field(r.text),
                            csv_field(&s.code),
                            day(s.created_ms),
                            t.total,
                            csv_field(id),
                            csv_field(label),
                            t.counts.get(id).copied().unwrap_or(0),
                            t.percentages.get(id).copied().unwrap_or(0),
                        );
                    }
                }
            }
        }
        out.into_bytes()
    }

    /// One line chart per played item: each option's percentage in each session.
    pub fn charts(&self) -> Vec<(String, String)> {
        self.rows().iter().filter(|r| r.played()).map(|r| (format!("grafiek-{}.svg", r.id), self.chart(r))).collect()
    }

    fn chart(&self, r: &Row) -> String {
        const COLOURS: [RGBColor; 6] = [
            RGBColor(0x3E, 0x6F, 0xA3),
            RGBColor(0x9A, 0x64, 0x15),
            RGBColor(0x7B, 0x5A, 0x94),
            RGBColor(0x2A, 0x7A, 0x75),
            RGBColor(0xA3, 0x5D, 0x3E),
            RGBColor(0x5F, 0x7A, 0x3A),
        ];
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
            let _ = root.fill(&WHITE);
            let n = self.sessions.len();
            let dates: Vec<String> = self.sessions.iter().map(|s| day(s.created_ms)).collect();
            let Ok(mut chart) = ChartBuilder::on(&root)
                .margin(16)
                .x_label_area_size(32)
                .y_label_area_size(48)
                .build_cartesian_2d(-0.3f64..(n as f64 - 0.7).max(0.3), 0f64..100f64)
            else {
                return svg_fallback(r.text);
            };
            let _ = chart
                .configure_mesh()
                .x_labels(n.max(2))
                .x_label_formatter(&|x| dates.get(x.round() as usize).filter(|_| (x - x.round()).abs() < 0.01).cloned().unwrap_or_default())
                .y_labels(6)
                .y_label_formatter(&|y| format!("{y:.0}%"))
                .label_style(("sans-serif", 16))
                .light_line_style(WHITE)
                .disable_x_mesh()
                .draw();
            for (k, (id, label)) in self.options(r.id).into_iter().enumerate() {
                let colour = COLOURS[k % COLOURS.len()];
                let points: Vec<(f64, f64)> = r
                    .per_session
                    .iter()
                    .enumerate()
                    .filter_map(|(x, i)| {
                        let t = (*i)?.tally.as_ref().filter(|t| self.min_group().allows(t.total))?;
                        Some((x as f64, f64::from(t.percentages.get(id).copied().unwrap_or(0))))
                    })
                    .collect();
                if let Ok(series) = chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3))) {
                    series.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3)));
                }
                let _ = chart.draw_series(points.into_iter().map(|p| Circle::new(p, 5, colour.filled())));
            }
            let _ =
                chart.configure_series_labels().label_font(("sans-serif", 16)).border_style(BLACK).background_style(WHITE.mix(0.9)).draw();
            let _ = root.present();
        }
        svg
    }
}

fn svg_fallback(text: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"40\"><text x=\"8\" y=\"24\">{}</text></svg>",
        text.replace('<', "&lt;")
    )
}

/// The report of the series session `code` belongs to, as a `report` message: Markdown with its
/// charts as files, or CSV.
pub fn for_the_protocol(
    db: &Db,
    code: &str,
    format: protocol::ReportFormat,
    max_sessions: usize,
) -> Result<protocol::ServerMsg, protocol::Refusal> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(%code, error = %e, "the report of a series could not be read");
        protocol::Refusal::from(protocol::ErrorCode::StorageFailed)
    };
    let codes = series_of(db, code).map_err(|e| failed(&e))?;
    if codes.len() > max_sessions {
        return Err(protocol::Refusal::new(
            protocol::ErrorCode::BadRequest,
            format!(
                "Deze reeks heeft {} sessies; via de app gaat een verslag over hoogstens {max_sessions}. Vraag de beheerder om session-server report.",
                codes.len()
            ),
        ));
    }
    let series = read(db, &codes).map_err(|e| failed(&e))?;
    let (content, files) = match format {
        protocol::ReportFormat::Csv => (String::from_utf8(series.csv()).expect("text"), Vec::new()),
        _ => {
            let files = series.charts().into_iter().map(|(name, content)| protocol::ReportFile { name, content }).collect();
            (series.markdown(), files)
        }
    };
    Ok(protocol::ServerMsg::Report { code: code.to_owned(), format, content, series: true, files })
}
