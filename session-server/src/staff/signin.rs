//! The sign-in's own addresses: `/auth/login` sends the browser to the provider, `/auth/callback` brings it back signed in (or says why not), `/auth/logout` signs out on the server.

use crate::http::Request;
use crate::hub::Hub;
use crate::web::Page;

use super::oidc::SignInError;
use super::{Accounts, COOKIE};

/// The answer to a request under `/auth/`.
pub async fn answer(req: &Request, hub: &Hub) -> Page {
    let Some(accounts) = hub.accounts() else {
        return Page::text(404, "Deze server heeft geen accounts; leiden kan zonder aanmelden.\nThis server has no accounts.\n");
    };
    match (req.method.as_str(), req.path()) {
        ("GET", "/auth/login") => login(accounts, req).await,
        ("GET", "/auth/callback") => callback(accounts, req, hub).await,
        ("POST", "/auth/logout") => logout(accounts, req, hub).await,
        (_, "/auth/login" | "/auth/callback" | "/auth/logout") => Page::text(405, "Niet zo. / Method not allowed.\n"),
        _ => Page::text(404, "Niet gevonden. / Not found.\n"),
    }
}

/// The query's value of `name`, decoded.
fn query(req: &Request, name: &str) -> Option<String> {
    let q = req.target.split_once('?')?.1;
    url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Where to go after signing in: a page of this server only (never another site), else `/host`.
fn next_page(req: &Request) -> String {
    query(req, "next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains(['\\', '\r', '\n']) && n.len() <= 200)
        .unwrap_or_else(|| "/host".into())
}

async fn login(accounts: &Accounts, req: &Request) -> Page {
    match accounts.provider.begin(next_page(req)).await {
        Ok((url, state, pending)) => {
            if !accounts.keep(state, pending) {
                return sentence(
                    503,
                    "Te veel aanmeldingen tegelijk; probeer het over een minuut opnieuw.",
                    "Too many sign-ins at once; try again in a minute.",
                );
            }
            Page::text(302, "Naar de aanmeldpagina. / To the sign-in page.\n").with_header("Location", url)
        }
        Err(e) => refusal(&e, accounts),
    }
}

async fn callback(accounts: &Accounts, req: &Request, hub: &Hub) -> Page {
    if let Some(error) = query(req, "error") {
        tracing::info!(client = %req.client.ip, error, "the provider did not sign the user in");
        let why = query(req, "error_description").unwrap_or(error);
        return sentence(
            403,
            &format!("De aanmeldserver heeft je niet aangemeld: {why}. Probeer het opnieuw."),
            &format!("The sign-in provider did not sign you in: {why}. Try again."),
        );
    }
    let pending = query(req, "state").and_then(|s| accounts.take(&s));
    let (Some(code), Some(pending)) = (query(req, "code"), pending) else {
        tracing::info!(client = %req.client.ip, "a sign-in came back that this server did not begin, or came back twice");
        return sentence(
            400,
            "Deze aanmelding is verlopen of al gebruikt. Begin opnieuw bij Aanmelden.",
            "This sign-in has expired or was already used. Start again at Sign in.",
        );
    };
    let next = pending.next.clone();
    let identity = match accounts.provider.finish(code, pending).await {
        Ok(identity) => identity,
        Err(e) => return refusal(&e, accounts),
    };
    let Some(role) = accounts.settings.role_for(identity.role_claim.as_ref()) else {
        tracing::info!(client = %req.client.ip, "a signed-in user without a role in this game was refused");
        return sentence(
            403,
            &format!(
                "Je bent aangemeld als {}, maar je account heeft geen rol in het dilemmaspel. Vraag je beheerder om je toe te voegen als facilitator of trainer.",
                identity.name
            ),
            &format!(
                "You are signed in as {}, but your account has no role in the dilemma game. Ask your administrator to add you as a facilitator or trainer.",
                identity.name
            ),
        );
    };
    let token = crate::secrets::new_token();
    let session_for = accounts.settings.session_for;
    let row = crate::store::StaffRow {
        subject: identity.subject,
        name: identity.name,
        role: role.as_str().to_owned(),
        expires_ms: crate::now_ms() + session_for.as_millis() as i64,
    };
    let db = hub.db().clone();
    let hash = crate::secrets::hash_token(&token);
    match tokio::task::spawn_blocking(move || db.start_staff_session(&hash, &row)).await {
        Ok(Ok(())) => {}
        _ => {
            return sentence(
                503,
                "Aanmelden lukte, maar de server kon het niet bewaren; probeer het zo opnieuw.",
                "Signed in, but the server could not store it; try again shortly.",
            );
        }
    }
    tracing::info!(client = %req.client.ip, role = role.as_str(), "a member of staff signed in");
    let secure = if accounts.secure { "; Secure" } else { "" };
    Page::text(302, "Aangemeld. / Signed in.\n")
        .with_header("Set-Cookie", format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", session_for.as_secs()))
        .with_header("Location", next)
}

async fn logout(accounts: &Accounts, req: &Request, hub: &Hub) -> Page {
    // Only this server's own pages sign out (a page elsewhere could otherwise sign staff out).
    let host = req.host.as_deref().unwrap_or_default();
    let ours = req
        .origin
        .as_deref()
        .is_some_and(|o| crate::http::same_origin(o, host) || hub.config().public_url.as_ref().is_some_and(|p| p.is_origin(o)));
    if !ours {
        return Page::text(403, "Alleen de pagina's van deze server melden af. / Only this server's pages sign out.\n");
    }
    if let Some(token) = req.cookie.as_deref().and_then(super::token_in) {
        let db = hub.db().clone();
        let hash = crate::secrets::hash_token(token);
        let _ = tokio::task::spawn_blocking(move || db.end_staff_session(&hash)).await;
    }
    let secure = if accounts.secure { "; Secure" } else { "" };
    Page::text(200, "Afgemeld. / Signed out.\n")
        .with_header("Set-Cookie", format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
}

/// The page for a sign-in that did not work because of the provider.
fn refusal(e: &SignInError, accounts: &Accounts) -> Page {
    match e {
        SignInError::Unreachable(why) => {
            tracing::warn!(issuer = accounts.provider.issuer(), why, "the sign-in provider could not be reached");
            sentence(
                502,
                "De aanmeldserver van de gemeente is nu niet bereikbaar; probeer het straks opnieuw. Sessies die al lopen, gaan gewoon door.",
                "The municipality's sign-in server cannot be reached now; try again later. Sessions already running go on.",
            )
        }
        SignInError::Refused(why) => {
            tracing::warn!(why, "a sign-in's ID token was refused");
            sentence(
                403,
                "Aanmelden is geweigerd: wat de aanmeldserver stuurde, klopt niet. Probeer het opnieuw; blijft het zo, vraag dan je beheerder.",
                "Sign-in refused: what the sign-in server sent does not hold up. Try again; if it stays so, ask your administrator.",
            )
        }
    }
}

/// A small page in Dutch and English with one sentence each and the way back.
fn sentence(status: u16, nl: &str, en: &str) -> Page {
    let html = format!(
        "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Aanmelden – Dilemmaspel</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><main class=\"signin\">\
<h1>Aanmelden</h1><p id=\"signin-nl\">{}</p><p lang=\"en\" id=\"signin-en\">{}</p><p><a href=\"/host\">Terug naar Sessie leiden</a> · \
<a href=\"/auth/login\">Opnieuw aanmelden</a></p></main></body></html>\n",
        escape(nl),
        escape(en)
    );
    Page::html(status, html)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
