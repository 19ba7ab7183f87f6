//! One look on every screen: the option colours of both themes in the style a real server hands the pages are the desktop app's.

use game_client::ui::theme;
use integration_tests::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `/style.css` as a browser gets it from `server`.
async fn style(server: &Server) -> String {
    let addr = server.url.trim_start_matches("ws://").trim_end_matches("/ws").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(format!("GET /style.css HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    answer.split_once("\r\n\r\n").unwrap().1.to_owned()
}

/// The value of `--name` in `css`.
fn property<'a>(css: &'a str, name: &str) -> &'a str {
    let at = css.find(&format!("--{name}:")).unwrap_or_else(|| panic!("--{name} in {css}")) + name.len() + 3;
    css[at..].split(';').next().unwrap()
}

fn hex(c: bevy_egui::egui::Color32) -> String {
    format!("#{:02X}{:02X}{:02X}", c.r(), c.g(), c.b())
}

#[tokio::test]
async fn the_pages_and_the_app_colour_the_options_and_the_text_alike_in_both_themes() {
    let server = Server::start().await;
    let css = style(&server).await;
    let (calm, high) = css.split_once("@media (prefers-contrast:more)").expect("a high-contrast theme for the pages");
    for (css, palette) in [(calm, theme::calm()), (high, theme::high_contrast())] {
        for (i, colour) in palette.options.iter().enumerate() {
            assert_eq!(property(css, &format!("option-{}", i + 1)), hex(*colour), "option {}", i + 1);
        }
        assert_eq!(property(css, "ink"), hex(palette.ink));
        assert_eq!(property(css, "bg"), hex(palette.background));
        assert_eq!(property(css, "accent"), hex(palette.accent));
    }
    assert!(css.contains("font-family:\"Atkinson Hyperlegible\""), "one typeface: {css}");
    server.stop().await;
}
