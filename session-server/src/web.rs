//! The browser pages the server hands out beside `/ws`: the participant page, the projector page, their files and the QR code.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::OnceLock;

use protocol::PROTOCOL_VERSION;

use crate::address::{self, PublicUrl};

/// Both pages are this one template; the script draws the rest.
const PAGE: &str = include_str!("../web/page.html");
const APP_JS: &str = include_str!("../web/app.js");
const STYLE: &str = include_str!("../web/style.css");

/// No inline script or style, no eval, nothing from elsewhere: the pages run on a closed network.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// An HTTP answer before the headers every answer carries.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Cow<'static, str>,
    /// The same body gzipped, for a browser that accepts it (the files every phone loads).
    pub gzipped: Option<&'static [u8]>,
}

impl Page {
    fn ok(content_type: &'static str, body: impl Into<Cow<'static, str>>) -> Page {
        Page { status: 200, content_type, body: body.into(), gzipped: None }
    }

    /// A file every phone loads: sent gzipped where the browser accepts it.
    fn shipped(content_type: &'static str, file: &'static Shipped) -> Page {
        Page { gzipped: Some(&file.gzipped), ..Page::ok(content_type, file.text.as_str()) }
    }

    pub fn text(status: u16, body: &'static str) -> Page {
        Page { status, content_type: "text/plain; charset=utf-8", body: Cow::Borrowed(body), gzipped: None }
    }

    pub fn owned(status: u16, body: String) -> Page {
        Page { status, content_type: "text/plain; charset=utf-8", body: Cow::Owned(body), gzipped: None }
    }

    /// The bytes of its body as sent (gzipped where it will be).
    pub fn sent_len(&self) -> usize {
        self.gzipped.map_or(self.body.len(), <[u8]>::len)
    }
}

/// A file as phones get it, made once: the text, and the text gzipped.
pub struct Shipped {
    text: String,
    gzipped: Vec<u8>,
}

impl Shipped {
    fn new(text: String) -> Shipped {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(text.as_bytes()).expect("writing to memory");
        Shipped { gzipped: gz.finish().expect("writing to memory"), text }
    }
}

/// What the request for `target` (path and query) gets. `host` is the request's `Host` header,
/// `local` the address this connection came in on, `public` the address the server is known by
/// (`--public-url`), which then is what the QR code and the projector page say.
pub fn page(target: &str, host: Option<&str>, local: SocketAddr, public: Option<&PublicUrl>) -> Page {
    let join_base = |host, local, lan| match public {
        Some(p) => (p.base().to_owned(), false),
        None => address::join_base(host, local, lan),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/" | "/index.html" => Page::shipped("text/html; charset=utf-8", index()),
        "/watch" => {
            let (join, loopback) = join_base(host, local, address::lan_ip());
            Page::ok("text/html; charset=utf-8", render("watch", "Dilemmaspel – scherm voor de zaal", &join, loopback, "nl"))
        }
        "/app.js" => Page::shipped("text/javascript; charset=utf-8", shipped(&SHIPPED_JS, APP_JS)),
        "/style.css" => Page::shipped("text/css; charset=utf-8", shipped(&SHIPPED_CSS, STYLE)),
        "/qr.svg" => match code_param(query) {
            Some(code) => {
                let (join, _) = join_base(host, local, address::lan_ip());
                Page::ok("image/svg+xml", qr_svg(&format!("{join}/?code={code}")))
            }
            None => Page::text(404, "Geen geldige code. / Not a valid code.\n"),
        },
        _ => Page::text(404, "Niet gevonden. Meedoen: / · scherm voor de zaal: /watch · websocket: /ws\nNot found.\n"),
    }
}

static SHIPPED_JS: OnceLock<Shipped> = OnceLock::new();
static SHIPPED_CSS: OnceLock<Shipped> = OnceLock::new();

/// A file as phones get it: [`compact`]ed and gzipped once.
fn shipped(cell: &'static OnceLock<Shipped>, src: &str) -> &'static Shipped {
    cell.get_or_init(|| Shipped::new(compact(src)))
}

/// The source without what only its readers need: each line's indentation, blank lines, and lines
/// that are only a `//` comment. Line breaks stay, so the script means exactly what it says (the
/// files have no template literals or strings over several lines, where indentation would count).
pub fn compact(src: &str) -> String {
    let lines = src.lines().map(str::trim_start).filter(|l| !l.is_empty() && !l.starts_with("//"));
    let mut out = lines.collect::<Vec<_>>().join("\n");
    out.push('\n');
    out
}

/// The participant page is the same for everyone: rendered once.
fn index() -> &'static Shipped {
    static HTML: OnceLock<Shipped> = OnceLock::new();
    HTML.get_or_init(|| Shipped::new(render("play", "Dilemmaspel – meedoen", "", false, "nl")))
}

/// The participant page for a join link whose session speaks `lang`: the same page, in English
/// from the start for an English session (rendered once, like the Dutch one), else Dutch.
pub fn index_in(lang: &str) -> Page {
    static ENGLISH: OnceLock<Shipped> = OnceLock::new();
    let page = match lang {
        "en" => ENGLISH.get_or_init(|| Shipped::new(render("play", "Dilemma game – join", "", false, "en"))),
        _ => index(),
    };
    Page::shipped("text/html; charset=utf-8", page)
}

/// The join code in `target`'s query, when the target is the participant page with one.
pub fn join_code_of(target: &str) -> Option<String> {
    let (path, query) = target.split_once('?')?;
    matches!(path, "/" | "/index.html").then(|| code_param(query)).flatten()
}

/// The page template for `page` (`play` or `watch`); `join` must be a plain address (see `address::plain_host`).
fn render(page: &str, title: &str, join: &str, loopback: bool, lang: &str) -> String {
    PAGE.replace("{{PROTOCOL}}", &PROTOCOL_VERSION.to_string())
        .replace("{{PAGE}}", page)
        .replace("{{TITLE}}", title)
        .replace("{{JOIN}}", join)
        .replace("{{LOOPBACK}}", if loopback { "true" } else { "false" })
        .replace("{{LANG}}", lang)
}

/// The `code` of a query string when it is a well-formed join code (the alphabet of join codes).
fn code_param(query: &str) -> Option<String> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix("code="))?;
    protocol::codes::normalize(&raw.replace('+', " "))
}

/// The QR code of `text` as an SVG: one path of dark modules, with the quiet zone around it.
pub fn qr_svg(text: &str) -> String {
    let Ok(qr) = qrcode::QrCode::new(text.as_bytes()) else { return String::new() };
    let width = qr.width();
    let size = width + 8;
    let mut path = String::new();
    for (i, color) in qr.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            let _ = write!(path, "M{} {}h1v1h-1z", i % width + 4, i / width + 4);
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    )
}

/// The bytes a phone loads to join (the participant page, its script and style), as sent
/// (gzipped) and as the browser reads them: the page-weight budget.
pub fn page_weight() -> (usize, usize) {
    let files = [index(), shipped(&SHIPPED_JS, APP_JS), shipped(&SHIPPED_CSS, STYLE)];
    (files.iter().map(|f| f.gzipped.len()).sum(), files.iter().map(|f| f.text.len()).sum())
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_phones_get_is_the_source_without_indentation_blank_lines_or_comment_lines() {
        let src = "// about\nfunction f() {\n  // why\n\n  return 'a  // not a comment';\n}\n";
        assert_eq!(compact(src), "function f() {\nreturn 'a  // not a comment';\n}\n");
        for file in [APP_JS, STYLE] {
            let code = |s: &str| s.lines().map(str::trim_start).filter(|l| !l.is_empty() && !l.starts_with("//")).count();
            assert_eq!(compact(file).lines().count(), code(file), "every line of code stays");
            assert!(!file.contains('`'), "no template literals, whose indentation would count");
        }
    }

    use super::*;

    #[test]
    fn codes_in_the_query_are_normalised_and_checked() {
        assert_eq!(code_param("code=k7m-2qx").as_deref(), Some("K7M2QX"));
        assert_eq!(code_param("x=1&code=K7M2QX").as_deref(), Some("K7M2QX"));
        assert_eq!(code_param("code=K7M2Q0"), None);
        assert_eq!(code_param("code=%3Cscript"), None);
    }

    #[test]
    fn the_qr_code_is_an_svg_of_dark_modules() {
        let svg = qr_svg("http://192.168.1.20:7878/?code=K7M2QX");
        assert!(svg.starts_with("<svg") && svg.contains("h1v1h-1z"), "{svg}");
    }

    #[test]
    fn pages_stay_within_their_weight_budget() {
        let (sent, read) = page_weight();
        assert!(sent <= 15 * 1024, "{sent} bytes gzipped");
        assert!(read <= 45 * 1024, "{read} bytes to parse");
    }
}
