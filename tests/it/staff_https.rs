//! Staff accounts on a server with its own HTTPS and every setting from its environment (as `deploy/dilemma.env` gives them): the sign-in cookie is `__Host-` and `Secure`, the plain name counts for nothing, and the settings' lists and hours hold.

use integration_tests::TestClient;
use protocol::ErrorCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::browser::Driver;
use crate::oidc::{Provider, SECRET, create, shipped_dir, sign_in};
use crate::process::{Binary, free_port};

/// A websocket over TLS (trusting the test's certificate) with this `Cookie` and the page's `Origin`.
async fn wss(url: &str, cookie: &str, origin: &str, tls: std::sync::Arc<rustls::ClientConfig>) -> TestClient {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut().insert("origin", origin.parse().unwrap());
    TestClient { c: dilemma_tools::client::Client::connect_with(req, None, Some(tls)).await.unwrap(), seen: Vec::new() }
}

#[tokio::test]
async fn over_https_with_its_settings_from_the_environment_the_sign_in_cookie_is_host_prefixed_and_secure() {
    let Some(driver) = Driver::start().await else { return };
    let port = free_port();
    let base = format!("https://127.0.0.1:{port}");
    let Some(provider) = Provider::start(&format!("{base}/auth/callback")).await else { return };
    let dir = shipped_dir();
    let pair = crate::hosted::make_pair(dir.path(), "staff");
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let envs = [
        ("SESSION_SERVER_PUBLIC_URL", base.clone()),
        ("SESSION_SERVER_TLS_CERT", path(&pair.cert)),
        ("SESSION_SERVER_TLS_KEY", path(&pair.key)),
        ("SESSION_SERVER_OIDC_ISSUER", provider.issuer.clone()),
        ("SESSION_SERVER_OIDC_CLIENT_ID", "dilemma".to_owned()),
        ("SESSION_SERVER_OIDC_CLIENT_SECRET_FILE", path(&secret)),
        ("SESSION_SERVER_OIDC_FACILITATORS", "begeleiders".to_owned()),
        ("SESSION_SERVER_OIDC_TRAINERS", "trainers".to_owned()),
        // A list, as the environment writes one.
        ("SESSION_SERVER_OIDC_OPERATORS", "andere-groep,beheer".to_owned()),
        ("SESSION_SERVER_OIDC_HOURS", "2".to_owned()),
    ];
    let server = Binary::start_env(dir.path(), port, &envs).await;
    let wss_url = server.url.replace("ws://", "wss://");

    // Fien signs in in a browser that takes the test's certificate (as if the municipality's CA were installed).
    let page = driver.phone_accepting_test_certificates().await;
    sign_in(&page, &base, "fien").await;
    page.wait_text("#account-h", "Aangemeld als fien@gemeente.example (facilitator)").await;
    let cookies = page.c.cookies().await.unwrap();
    assert!(cookies.iter().all(|c| c["name"] != "dilemma_staff"), "over https only the __Host- name: {cookies:?}");
    let cookie = cookies.iter().find(|c| c["name"] == "__Host-dilemma_staff").unwrap_or_else(|| panic!("{cookies:?}"));
    assert_eq!(
        (cookie["secure"].clone(), cookie["httpOnly"].clone(), cookie["sameSite"].clone(), cookie["path"].clone()),
        (serde_json::json!(true), serde_json::json!(true), serde_json::json!("Lax"), serde_json::json!("/"))
    );
    let token = cookie["value"].as_str().unwrap().to_owned();
    let code = crate::host::create(&page, "samen-werken", "Team Zuid").await;
    assert_eq!(code.len(), 6);

    // The sign-in lasts the hours the environment says.
    let conn = rusqlite::Connection::open(dir.path().join("workshop.db")).unwrap();
    let lasts: i64 = conn.query_row("SELECT expires_ms - created_ms FROM staff_sessions", [], |r| r.get(0)).unwrap();
    // (The end is reckoned a moment before the row is written.)
    assert!((2 * 3600 * 1000 - lasts).abs() < 1000, "{lasts} ms");

    // Over real sockets: the token under the plain name (a cookie anyone under the domain could set) is no sign-in.
    let tls = crate::hosted::trusting(&[&pair.cert]);
    let mut planted = wss(&wss_url, &format!("dilemma_staff={token}"), &base, tls.clone()).await;
    assert_eq!(create(&mut planted).await, Err(ErrorCode::Unauthorized));
    let mut real = wss(&wss_url, &format!("__Host-dilemma_staff={token}"), &base, tls.clone()).await;
    assert!(create(&mut real).await.is_ok());

    // Olga's group is the second of the operators' list.
    let olga = driver.phone_accepting_test_certificates().await;
    sign_in(&olga, &base, "olga").await;
    olga.wait_text("#account-h", "Aangemeld als olga@gemeente.example (beheerder)").await;
    page.close().await;
    olga.close().await;
    provider.stop().await;
}
