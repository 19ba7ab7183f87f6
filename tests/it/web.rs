//! The pages over plain HTTP on the websocket's port: files and headers, 404s, what is not HTTP, and which pages may open `/ws`.

use std::time::Duration;

use integration_tests::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn addr(s: &Server) -> String {
    s.url.trim_start_matches("ws://").trim_end_matches("/ws").to_owned()
}

/// Sends `request` as is and returns everything the server answers until it closes.
async fn raw(s: &Server, request: &[u8]) -> String {
    String::from_utf8_lossy(&raw_bytes(s, request).await).into_owned()
}

async fn raw_bytes(s: &Server, request: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr(s)).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut got)).await.expect("the server closes").unwrap();
    got
}

async fn get(s: &Server, target: &str) -> (String, String) {
    let answer = raw(s, format!("GET {target} HTTP/1.1\r\nHost: {}\r\n\r\n", addr(s)).as_bytes()).await;
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole HTTP answer");
    (head.to_owned(), body.to_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

#[tokio::test]
async fn the_pages_and_their_files_come_with_safe_headers_and_within_the_weight_budget() {
    let s = Server::start().await;
    for (target, kind, has) in [
        ("/", "text/html", "data-page=\"play\""),
        ("/?code=K7M2QX", "text/html", "data-protocol=\"1\""),
        ("/watch?code=K7M2QX", "text/html", "data-page=\"watch\""),
        ("/js/client.js", "text/javascript", "new WebSocket"),
        ("/js/play.js", "text/javascript", "from './page.js'"),
        ("/style.css", "text/css", "prefers-reduced-motion"),
        ("/qr.svg?code=k7m-2qx", "image/svg+xml", "<svg"),
    ] {
        let (head, body) = get(&s, target).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{target}: {head}");
        assert!(header(&head, "content-type").unwrap().starts_with(kind), "{target}: {head}");
        assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"), "{target}");
        assert_eq!(header(&head, "referrer-policy"), Some("no-referrer"), "{target}: the join code in the address goes nowhere else");
        assert_eq!(header(&head, "cache-control"), Some("no-cache"), "{target}: a new version reaches the phones at once");
        let csp = header(&head, "content-security-policy").unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("font-src 'self'") && !csp.contains("unsafe"), "{csp}");
        assert_eq!(header(&head, "content-length").unwrap().parse::<usize>().unwrap(), body.len());
        assert!(body.contains(has), "{target} lacks {has}");
    }
    // What a phone loads to join: the page, its style, and its script with every module it imports
    // (the page names them all for the browser to fetch at once).
    let (_, index) = get(&s, "/").await;
    let modules: Vec<String> =
        index.split("<link rel=\"modulepreload\" href=\"").skip(1).map(|l| l.split('"').next().unwrap().to_owned()).collect();
    assert!(modules.len() >= 5 && modules.iter().all(|m| m.starts_with("/js/")), "{index}");
    let files: Vec<String> = ["/".to_owned(), "/style.css".to_owned(), "/js/play.js".to_owned()].into_iter().chain(modules).collect();
    let mut weight = 0;
    for target in &files {
        let (head, body) = get(&s, target).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{target}: {head}");
        // Whatever a module imports is named too (else it would be fetched late, and not weighed).
        for import in body.split("from './").skip(1) {
            let module = format!("/js/{}", import.split('\'').next().unwrap());
            assert!(files.contains(&module), "{target} imports {module}, which the page does not name");
        }
        weight += body.len();
    }
    assert!(weight <= 45 * 1024, "the participant page is {weight} bytes to parse");
    // What a phone downloads: the same files gzipped, as every browser asks for them.
    let mut sent = 0;
    for target in &files {
        let answer =
            raw_bytes(&s, format!("GET {target} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n", addr(&s)).as_bytes())
                .await;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let body = &answer[split + 4..];
        assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{target}: {head}");
        assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
        assert_eq!(header(&head, "content-length").unwrap().parse::<usize>().unwrap(), body.len());
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(body), &mut plain).unwrap();
        assert_eq!(plain, get(&s, target).await.1, "{target} unpacks to the plain file");
        sent += body.len();
    }
    assert!(sent <= 15 * 1024, "a phone downloads {sent} bytes");
    assert_eq!(sent, session_server::web::page_weight().0);
    eprintln!("the participant page: {} bytes to parse, {sent} on the wire", session_server::web::page_weight().1);
    // The typeface comes apart from that budget: swapped in when it arrives, kept a week.
    let (_, css) = get(&s, "/style.css").await;
    assert!(css.contains("font-display:swap") && css.contains("url(/fonts/AtkinsonHyperlegible-Regular.woff2)"), "{css}");
    for font in ["AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold"] {
        let answer = raw_bytes(&s, format!("GET /fonts/{font}.woff2 HTTP/1.1\r\nHost: {}\r\n\r\n", addr(&s)).as_bytes()).await;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        assert!(head.starts_with("HTTP/1.1 200"), "{font}: {head}");
        assert_eq!(header(&head, "content-type"), Some("font/woff2"));
        assert_eq!(header(&head, "cache-control"), Some("public, max-age=604800"));
        assert_eq!(&answer[split + 4..split + 8], b"wOF2", "{font} is a WOFF2 file");
    }
    let (_, watch) = get(&s, "/watch").await;
    assert!(watch.contains("data-join=\"http://"), "the projector page knows the join address");
    s.stop().await;
}

#[tokio::test]
async fn other_paths_get_404_other_methods_405_and_a_bare_ws_426() {
    let s = Server::start().await;
    for target in
        ["/nope", "/../Cargo.toml", "/app.js", "/js/nope.js", "/js/../web.rs", "/fonts/x.woff2", "/qr.svg?code=nonsense", "/favicon.ico"]
    {
        let (head, _) = get(&s, target).await;
        assert!(head.starts_with("HTTP/1.1 404"), "{target}: {head}");
        assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
    }
    let post = raw(&s, format!("POST / HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n\r\n", addr(&s)).as_bytes()).await;
    assert!(post.starts_with("HTTP/1.1 405") && post.contains("Allow: GET, HEAD"), "{post}");
    let head = raw(&s, format!("HEAD / HTTP/1.1\r\nHost: {}\r\n\r\n", addr(&s)).as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"), "HEAD has no body: {head}");
    let (bare, _) = get(&s, "/ws").await;
    assert!(bare.starts_with("HTTP/1.1 426"), "{bare}");
    s.stop().await;
}

#[tokio::test]
async fn what_is_not_http_is_closed_without_an_answer_and_a_huge_head_is_refused() {
    let s = Server::start().await;
    assert_eq!(raw(&s, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03").await, "", "a TLS hello gets no answer");
    assert_eq!(raw(&s, b"hello server\r\n\r\n").await, "");
    let mut huge = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".as_slice(), 200).flatten());
    let answer = raw(&s, &huge).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // A room keeps playing meanwhile.
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    s.stop().await;
}

#[tokio::test]
async fn only_this_servers_own_pages_may_open_the_websocket() {
    let s = Server::start().await;
    let host = addr(&s);
    let open_with = |origin: Option<String>| {
        let mut req = s.url.as_str().into_client_request().unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req)
    };
    match open_with(Some("http://evil.example".into())).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("a page from another site must get 403, got {:?}", other.map(|_| ())),
    }
    assert!(open_with(Some(format!("http://{host}"))).await.is_ok(), "the server's own page is let in");
    assert!(open_with(Some(format!("https://{host}"))).await.is_ok(), "so is the same page over https (TLS here or at a proxy)");
    assert!(open_with(None).await.is_ok(), "a client without Origin (the desktop client) is let in");
    s.stop().await;
    // Behind a proxy the page's origin is the public address.
    let s = Server::start_with(|c| c.public_url = Some(session_server::address::PublicUrl::parse("https://dilemma.gemeente.nl/").unwrap()))
        .await;
    let open_with = |origin: &str| {
        let mut req = s.url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    assert!(open_with("https://dilemma.gemeente.nl").await.is_ok(), "the public https address is this server's page");
    for other in [
        "https://dilemma.gemeente.nl.evil.example",
        "https://evil.example",
        "null",
        "http://dilemma.gemeente.nl",
        "https://dilemma.gemeente.nl:8443",
    ] {
        match open_with(other).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403, "{other}"),
            r => panic!("{other} must get 403, got {:?}", r.map(|_| ())),
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn the_facilitators_page_loads_only_its_own_modules_within_its_budget() {
    let s = Server::start().await;
    let (head, page) = get(&s, "/host").await;
    assert!(head.starts_with("HTTP/1.1 200") && page.contains("data-page=\"host\""), "{head}");
    let linked = |rel: &str| -> Vec<String> {
        page.split(&format!("<link rel=\"{rel}\" href=\"")).skip(1).map(|l| l.split('"').next().unwrap().to_owned()).collect()
    };
    let modules = linked("modulepreload");
    for own in ["/js/host-nl.js", "/js/nl.js", "/js/page.js", "/js/client.js", "/js/result.js", "/js/dom.js"] {
        assert!(modules.contains(&own.to_owned()), "{own} is named for the browser: {modules:?}");
    }
    for other in ["/js/play.js", "/js/watch.js", "/js/stage.js", "/js/en.js", "/js/host-en.js"] {
        assert!(!modules.contains(&other.to_owned()), "the facilitator's page does not load {other}");
    }
    let styles = linked("stylesheet");
    assert_eq!(styles, ["/style.css", "/host.css"]);
    // On the wire: the page as it is (it names the join address), the rest gzipped.
    let mut sent = page.len();
    let mut read = page.len();
    for target in styles.iter().chain(&modules).chain(std::iter::once(&"/js/host.js".to_owned())) {
        let answer =
            raw_bytes(&s, format!("GET {target} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: gzip\r\n\r\n", addr(&s)).as_bytes()).await;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{target}: {head}");
        sent += answer.len() - split - 4;
        read += get(&s, target).await.1.len();
    }
    eprintln!("the facilitator's page: {read} bytes to parse, {sent} on the wire");
    assert!(sent <= 25 * 1024, "the facilitator's page is {sent} bytes on the wire");
    s.stop().await;
}
