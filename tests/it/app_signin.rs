//! The desktop app's sign-in (RFC 8252) against the real provider: a loopback address of its own, the system browser (Chromium, through the provider's form) and PKCE; its token leads over the websocket, a browser page cannot use it, signing out ends it, and a return address that is no loopback is refused.

use dilemma_tools::signin;
use integration_tests::TestClient;
use protocol::{ErrorCode, StaffRole};
use serde_json::json;

use crate::oidc::{Staffed, create, plain_get, socket};

/// A websocket with the app's token and, where given, a page's `Origin`.
async fn with_token(url: &str, token: &str, origin: Option<&str>) -> TestClient {
    let mut req = signin::bearer(url, token).unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    TestClient { c: dilemma_tools::client::Client::connect_with(req, None, None).await.unwrap(), seen: Vec::new() }
}

#[tokio::test]
async fn the_app_signs_in_through_the_system_browser_and_its_loopback_address_and_its_token_leads_until_it_signs_out() {
    let Some(Staffed { driver, port, base, provider, dir, server }) = Staffed::start().await else { return };

    // The app begins: the login address names its loopback address and its PKCE challenge.
    let begun = signin::begin(&server.url).await.unwrap();
    assert!(begun.url.starts_with(&format!("{base}/auth/login?")) && begun.url.contains("app=http%3A%2F%2F127.0.0.1%3A"), "{}", begun.url);
    let url = begun.url.clone();
    let ws = server.url.clone();
    let app = tokio::spawn(async move { begun.finish(&ws, None).await });

    // The system browser signs in through the provider's form and is sent back to the app.
    let downloads = tempfile::tempdir().unwrap();
    let browser = driver.laptop("nl", downloads.path()).await;
    browser.open(&url).await;
    crate::oidc::through_the_provider(&browser, "fien").await;
    // Asked first: nothing has gone to the app before the person says yes.
    browser
        .wait_text("#signin-nl", "Wil je de desktop-app van het dilemmaspel op deze computer aanmelden als fien@gemeente.example?")
        .await;
    browser.assert_accessible("the app's sign-in asked").await;
    assert!(!app.is_finished(), "the app got nothing before the yes");
    browser.tap("#to-app").await;
    browser.wait_text("body", "Je bent aangemeld. Ga terug naar de app").await;
    let signed = app.await.unwrap().expect("the app signed in");
    assert_eq!((signed.account.name.as_str(), signed.account.role, signed.hours), ("fien@gemeente.example", StaffRole::Facilitator, 720));
    assert!(browser.c.cookies().await.unwrap().iter().all(|c| c["name"] != "dilemma_staff"), "the browser is not signed in: the app is");
    browser.close().await;

    // Stored as its hash, for thirty days.
    let conn = rusqlite::Connection::open(dir.path().join("workshop.db")).unwrap();
    let (hash, lasts): (Vec<u8>, i64) =
        conn.query_row("SELECT token_hash, expires_ms - created_ms FROM staff_sessions", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(hash, session_server::secrets::hash_token(&signed.token).to_vec());
    assert!((lasts - 30 * 24 * 3600 * 1000).abs() < 60_000, "{lasts}");

    // Its token leads, sent as the app sends it; from a browser page (an Origin) it counts for nothing.
    let mut by_app = with_token(&server.url, &signed.token, None).await;
    assert!(create(&mut by_app).await.is_ok());
    let mut by_page = with_token(&server.url, &signed.token, Some(&base)).await;
    assert_eq!(create(&mut by_page).await, Err(ErrorCode::Unauthorized));

    // The app's messages are the app's: a browser page (a handshake with Origin) may not send them.
    let mut page = socket(&server.url, None, Some(&base)).await.unwrap();
    page.send(json!({"type":"app_sign_in","protocol":1,"code":"0123456789abcdef0123456789abcdef","verifier":"x"})).await;
    assert_eq!(page.error().await.0, ErrorCode::BadRequest);

    // A code that is none, or too long: refused (each a guess).
    for code in ["0123456789abcdef0123456789abcdef", &"a".repeat(65)] {
        let mut c = socket(&server.url, None, None).await.unwrap();
        c.send(json!({"type":"app_sign_in","protocol":1,"code":code,"verifier":"x"})).await;
        assert_eq!(c.error().await.0, ErrorCode::Unauthorized, "{code}");
    }

    // A return address that is no loopback IP, or no challenge: a page that says so, nothing at the provider.
    let challenge = session_server::secrets::challenge_of("v");
    for (app, challenge) in [
        ("http%3A%2F%2Flocalhost%3A4000%2F", challenge.as_str()),
        ("https%3A%2F%2Fevil.example%2F", challenge.as_str()),
        ("http%3A%2F%2F127.0.0.1%3A4000%2F", "kort"),
    ] {
        let (status, body) = plain_get(port, &format!("/auth/login?app={app}&challenge={challenge}&app_state=s")).await;
        assert_eq!(status, 400, "{app}: {body}");
        assert!(body.contains("Deze aanmelding van de app klopt niet"), "{body}");
    }

    // Signing out ends the token on the server.
    signin::sign_out(&server.url, &signed.token, None).await.unwrap();
    let mut after = with_token(&server.url, &signed.token, None).await;
    assert_eq!(create(&mut after).await, Err(ErrorCode::Unauthorized));
    assert_eq!(conn.query_row("SELECT count(*) FROM staff_sessions", [], |r| r.get::<_, i64>(0)).unwrap(), 0);

    // Codes are guesses: once the address's budget of wrong guesses is spent (60), no code is tried.
    let mut refused = Vec::new();
    for _ in 0..64 {
        let mut c = socket(&server.url, None, None).await.unwrap();
        c.send(json!({"type":"app_sign_in","protocol":1,"code":"0123456789abcdef0123456789abcdef","verifier":"x"})).await;
        refused.push(c.error().await.0);
    }
    let first = refused.iter().position(|c| *c == ErrorCode::RateLimited).expect("the budget runs out");
    assert!(first >= 50 && refused[first..].iter().all(|c| *c == ErrorCode::RateLimited), "{refused:?}");
    provider.stop().await;
}
