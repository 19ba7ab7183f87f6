//! The browser pages the server hands out beside `/ws`: the participant page, the projector page, their files and the QR code.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::OnceLock;

use protocol::PROTOCOL_VERSION;

use crate::address::{self, PublicUrl};

/// Both pages are this one template; their scripts draw the rest.
const PAGE: &str = include_str!("../web/page.html");
const STYLE: &str = include_str!("../web/style.css");
/// The projector's stage, only on `/watch`.
const STAGE: &str = include_str!("../web/watch.css");
/// The facilitator's desk, only on `/host`.
const DESK: &str = include_str!("../web/host.css");

/// The pages' scripts: ES modules, served as they are under `/js/` (no build step). Each page loads
/// its own (`play.js`, `watch.js`, `host.js`) and what that imports.
const MODULES: [(&str, &str); 13] = [
    ("client.js", include_str!("../web/js/client.js")),
    ("dom.js", include_str!("../web/js/dom.js")),
    ("en.js", include_str!("../web/js/en.js")),
    ("host.js", include_str!("../web/js/host.js")),
    ("host-en.js", include_str!("../web/js/host-en.js")),
    ("host-mine.js", include_str!("../web/js/host-mine.js")),
    ("host-nl.js", include_str!("../web/js/host-nl.js")),
    ("nl.js", include_str!("../web/js/nl.js")),
    ("page.js", include_str!("../web/js/page.js")),
    ("play.js", include_str!("../web/js/play.js")),
    ("result.js", include_str!("../web/js/result.js")),
    ("stage.js", include_str!("../web/js/stage.js")),
    ("watch.js", include_str!("../web/js/watch.js")),
];

/// The typeface's files for the pages (its name and files are in the design file).
const FONTS: [(&str, &[u8]); 2] = [
    ("AtkinsonHyperlegible-Regular.woff2", include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Regular.woff2")),
    ("AtkinsonHyperlegible-Bold.woff2", include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Bold.woff2")),
];

/// A font never changes under its name: browsers keep it a week instead of asking again.
const FONT_CACHE: &str = "public, max-age=604800";

/// No inline script or style, no eval, nothing from elsewhere: the pages run on a closed network.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// An HTTP answer before the headers every answer carries.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Cow<'static, [u8]>,
    /// The same body gzipped, for a browser that accepts it (the files every phone loads).
    pub gzipped: Option<&'static [u8]>,
    /// Its `Cache-Control`: `no-cache` (a new version reaches the phones at once), except the font.
    pub cache: &'static str,
    /// Headers of its own (`Location`, `Set-Cookie`), written after the ones every answer carries.
    pub headers: Vec<(&'static str, String)>,
}

impl Page {
    fn ok(content_type: &'static str, body: impl Into<Cow<'static, str>>) -> Page {
        let body = match body.into() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        };
        Page { status: 200, content_type, body, gzipped: None, cache: "no-cache", headers: Vec::new() }
    }

    /// A file every phone loads: sent gzipped where the browser accepts it.
    fn shipped(content_type: &'static str, file: &'static Shipped) -> Page {
        Page { gzipped: Some(&file.gzipped), ..Page::ok(content_type, file.text.as_str()) }
    }

    pub fn text(status: u16, body: &'static str) -> Page {
        Page { status, content_type: "text/plain; charset=utf-8", ..Page::ok("", body) }
    }

    pub fn owned(status: u16, body: String) -> Page {
        Page { status, content_type: "text/plain; charset=utf-8", ..Page::ok("", body) }
    }

    /// An HTML page made for this request (the sign-in's sentences).
    pub fn html(status: u16, body: String) -> Page {
        Page { status, ..Page::ok("text/html; charset=utf-8", body) }
    }

    /// This answer with one more header of its own.
    pub fn with_header(mut self, name: &'static str, value: String) -> Page {
        self.headers.push((name, value));
        self
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
        "/host" => {
            let (join, loopback) = join_base(host, local, address::lan_ip());
            Page::ok("text/html; charset=utf-8", render("host", "Dilemmaspel – sessie leiden", &join, loopback, "nl"))
        }
        "/style.css" => Page::shipped("text/css; charset=utf-8", style()),
        "/host.css" => Page::shipped("text/css; charset=utf-8", desk()),
        "/watch.css" => Page::shipped("text/css; charset=utf-8", {
            static CSS: OnceLock<Shipped> = OnceLock::new();
            CSS.get_or_init(|| Shipped::new(compact(STAGE)))
        }),
        _ if path.starts_with("/js/") => match module(&path[4..]) {
            Some(file) => Page::shipped("text/javascript; charset=utf-8", file),
            None => Page::text(404, "Niet gevonden. / Not found.\n"),
        },
        _ if path.starts_with("/fonts/") => match FONTS.iter().find(|(name, _)| *name == &path[7..]) {
            Some((_, bytes)) => Page { content_type: "font/woff2", body: Cow::Borrowed(bytes), cache: FONT_CACHE, ..Page::ok("", "") },
            None => Page::text(404, "Niet gevonden. / Not found.\n"),
        },
        "/qr.svg" => match code_param(query) {
            Some(code) => {
                let (join, _) = join_base(host, local, address::lan_ip());
                Page::ok("image/svg+xml", qr_svg(&format!("{join}/?code={code}")))
            }
            None => Page::text(404, "Geen geldige code. / Not a valid code.\n"),
        },
        _ => {
            Page::text(404, "Niet gevonden. Meedoen: / · scherm voor de zaal: /watch · sessie leiden: /host · websocket: /ws\nNot found.\n")
        }
    }
}

/// The pages' style: the design file's colours, type scale and typeface, then `style.css`;
/// [`compact`]ed and gzipped once.
fn style() -> &'static Shipped {
    static CSS: OnceLock<Shipped> = OnceLock::new();
    CSS.get_or_init(|| {
        let d = protocol::design::design();
        let face = |file: &str, weight: u16| {
            format!(
                "@font-face{{font-family:\"{}\";src:url(/fonts/{file}.woff2) format(\"woff2\");font-weight:{weight};font-style:normal;font-display:swap}}\n",
                d.font.family
            )
        };
        Shipped::new(compact(&(d.css() + &face(&d.font.regular, 400) + &face(&d.font.bold, 700) + STYLE)))
    })
}

/// The facilitator's desk, [`compact`]ed and gzipped once.
fn desk() -> &'static Shipped {
    static CSS: OnceLock<Shipped> = OnceLock::new();
    CSS.get_or_init(|| Shipped::new(compact(DESK)))
}

/// The module `name` as phones get it: [`compact`]ed and gzipped once.
fn module(name: &str) -> Option<&'static Shipped> {
    static SHIPPED: OnceLock<Vec<Shipped>> = OnceLock::new();
    let all = SHIPPED.get_or_init(|| MODULES.iter().map(|(_, src)| Shipped::new(compact(src))).collect());
    MODULES.iter().position(|(n, _)| *n == name).map(|i| &all[i])
}

/// The modules `entry` imports, directly or through others, in the order first met (read from their
/// `import … from './x.js';` lines), without `entry` itself.
pub fn imports(entry: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut todo = vec![entry];
    while let Some(name) = todo.pop() {
        let Some((_, src)) = MODULES.iter().find(|(n, _)| *n == name) else { continue };
        for line in src.lines().filter(|l| l.starts_with("import ")) {
            let Some(dep) = line.rsplit_once("from './").and_then(|(_, rest)| rest.split_once('\'')).map(|(d, _)| d) else {
                continue;
            };
            if let Some((known, _)) = MODULES.iter().find(|(n, _)| *n == dep)
                && *known != entry
                && !found.contains(known)
            {
                found.push(known);
                todo.push(known);
            }
        }
    }
    found
}

/// The source without what only its readers need: each line's indentation, blank lines, lines that
/// are only a `//` comment, and `/* … */` comments that begin a line (the JSDoc types the checker
/// reads; code after such a comment's end stays). Line breaks stay, so the script means exactly
/// what it says (the files have no template literals or strings over several lines, where
/// indentation would count).
pub fn compact(src: &str) -> String {
    let mut kept = Vec::new();
    let mut in_comment = false;
    for line in src.lines().map(str::trim_start) {
        let rest = if in_comment {
            line
        } else if let Some(open) = line.strip_prefix("/*") {
            in_comment = true;
            open
        } else {
            if !line.is_empty() && !line.starts_with("//") {
                kept.push(line);
            }
            continue;
        };
        if let Some(end) = rest.find("*/") {
            in_comment = false;
            let after = rest[end + 2..].trim_start();
            if !after.is_empty() {
                kept.push(after);
            }
        }
    }
    let mut out = kept.join("\n");
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
    // The browser fetches a page's modules at once instead of one import after the other.
    // (English is fetched only where it is needed; a page that starts in English names it too.)
    let mut modules = imports(&format!("{page}.js"));
    if lang == "en" {
        modules.push("en.js");
    }
    let preload: String = modules.iter().map(|m| format!("<link rel=\"modulepreload\" href=\"/js/{m}\">\n")).collect();
    let styles = match page {
        "watch" => "<link rel=\"stylesheet\" href=\"/watch.css\">\n",
        "host" => "<link rel=\"stylesheet\" href=\"/host.css\">\n",
        _ => "",
    };
    PAGE.replace("{{PRELOAD}}", &preload)
        .replace("{{STYLES}}", styles)
        .replace("{{PROTOCOL}}", &PROTOCOL_VERSION.to_string())
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
    let mut files = vec![index(), style()];
    files.extend(std::iter::once("play.js").chain(imports("play.js")).filter_map(module));
    (files.iter().map(|f| f.gzipped.len()).sum(), files.iter().map(|f| f.text.len()).sum())
}

/// The same for the facilitator's page (`/host`: its page as sent, not gzipped, since it names the
/// join address; its style, desk and modules gzipped), English left out as for a Dutch browser.
pub fn host_weight() -> (usize, usize) {
    let html = render("host", "Dilemmaspel – sessie leiden", "http://192.168.1.20:7878", false, "nl").len();
    let mut files = vec![style(), desk()];
    files.extend(std::iter::once("host.js").chain(imports("host.js")).filter_map(module));
    (html + files.iter().map(|f| f.gzipped.len()).sum::<usize>(), html + files.iter().map(|f| f.text.len()).sum::<usize>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_phones_get_is_the_source_without_indentation_blank_lines_or_comment_lines() {
        let src = "// about\nfunction f() {\n  // why\n\n  return 'a  // not a comment';\n}\n";
        assert_eq!(compact(src), "function f() {\nreturn 'a  // not a comment';\n}\n");
        // JSDoc types: a line of its own, over several lines, or a cast inside code (which stays).
        let typed = "/** @type {number} */\nlet n = /** @type {number} */ (x);\n/**\n * Two\n *  lines */\nfunction g() {}\n/* a */ h();\n";
        assert_eq!(compact(typed), "let n = /** @type {number} */ (x);\nfunction g() {}\nh();\n");
        for file in MODULES.iter().map(|(_, src)| *src).chain([STYLE, STAGE, DESK]) {
            // Counted another way: every `/* … */` taken out of the whole text (casts inside a line
            // too, which leaves the line), then the lines that are neither blank nor `//`.
            let mut rest = file.to_owned();
            while let Some(open) = rest.find("/*") {
                let end = rest[open..].find("*/").map_or(rest.len(), |e| open + e + 2);
                rest.replace_range(open..end, "");
            }
            let code = rest.lines().map(str::trim_start).filter(|l| !l.is_empty() && !l.starts_with("//")).count();
            assert_eq!(compact(file).lines().count(), code, "every line of code stays");
            assert!(!compact(file).lines().any(|l| l.starts_with("/*") || l.starts_with("* ")), "no comment lines left");
            assert!(!compact(file).contains('`'), "no template literals, whose indentation would count");
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
    fn english_is_named_for_the_browser_only_on_a_page_that_starts_in_english() {
        let names = |page: Page| String::from_utf8(page.body.into_owned()).unwrap().contains("href=\"/js/en.js\"");
        assert!(names(index_in("en")));
        assert!(!names(index_in("nl")));
        assert!(!imports("play.js").contains(&"en.js") && !imports("watch.js").contains(&"en.js"), "fetched with import() when needed");
        assert!(imports("play.js").contains(&"nl.js") && imports("play.js").contains(&"client.js"));
    }

    #[test]
    fn pages_stay_within_their_weight_budget() {
        let (sent, read) = page_weight();
        assert!(sent <= 15 * 1024, "{sent} bytes gzipped");
        assert!(read <= 45 * 1024, "{read} bytes to parse");
        let (sent, _) = host_weight();
        assert!(sent <= 25 * 1024, "the facilitator's page: {sent} bytes on the wire");
        assert!(!imports("host.js").contains(&"host-en.js") && !imports("host.js").contains(&"en.js"), "English when needed");
        assert!(!imports("play.js").iter().any(|m| m.starts_with("host")), "phones load nothing of the facilitator's");
    }
}
