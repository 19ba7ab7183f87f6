//! The sign-in's own addresses: `/auth/login` sends the browser to the provider, `/auth/callback` brings it back signed in (or says why not), `/auth/logout` signs out on the server.

use crate::http::Request;
use crate::hub::Hub;
use crate::web::Page;

use super::oidc::SignInError;
use super::{Accounts, STATE_COOKIE, cookie_value};

/// How long a sign-in may take at the provider (its state cookie lives as long).
const SIGN_IN_SECONDS: u64 = 600;

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

/// Where to go after signing in: a path on this server only (never another site: printable ASCII,
/// one leading `/`), else `/host`. Browsers drop tabs and line breaks from addresses, so they (and
/// every other control or non-ASCII character) make it `/host` too.
fn next_page(req: &Request) -> String {
    query(req, "next").filter(|n| is_local_path(n)).unwrap_or_else(|| "/host".into())
}

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|c| (0x21..0x7f).contains(c))
        && !n.contains('\\')
        && n.len() <= 512
}

/// The state cookie's name and attributes: over https `__Host-` (set by this host only, path `/`).
fn state_cookie_name(accounts: &Accounts) -> (String, &'static str) {
    if accounts.secure { (format!("__Host-{STATE_COOKIE}"), "; Path=/; Secure") } else { (STATE_COOKIE.to_owned(), "; Path=/auth/") }
}

/// The `Set-Cookie` value of the state cookie: `value` for `max_age` seconds (`""`, 0: gone).
fn state_cookie(accounts: &Accounts, value: &str, max_age: u64) -> String {
    let (name, attributes) = state_cookie_name(accounts);
    format!("{name}={value}; HttpOnly; SameSite=Lax; Max-Age={max_age}{attributes}")
}

/// How much longer than the sign-in the browser keeps its cookie, in seconds.
const COOKIE_OUTLIVES: u64 = 7 * 24 * 3600;

/// The `Set-Cookie` value of the sign-in cookie: `value` for `max_age` seconds (`""`, 0: signed out).
fn sign_in_cookie(accounts: &Accounts, value: &str, max_age: u64) -> String {
    let secure = if accounts.secure { "; Secure" } else { "" };
    format!("{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", accounts.cookie())
}

async fn login(accounts: &Accounts, req: &Request) -> Page {
    let busy = || {
        sentence(
            503,
            "Te veel aanmeldingen tegelijk; probeer het over een paar minuten opnieuw.",
            "Too many sign-ins at once; try again in a few minutes.",
        )
    };
    // Room first: a client that begins sign-ins in a loop costs the provider nothing.
    if !accounts.room_for(req.client.ip) {
        tracing::info!(client = %req.client.ip, "too many sign-ins on their way from this address; refused");
        return busy();
    }
    // The desktop app's sign-in names its loopback address and PKCE challenge (RFC 8252).
    let app = match query(req, "app") {
        None => None,
        Some(redirect) => {
            let challenge = query(req, "challenge").unwrap_or_default();
            match super::app::AppReturn::from_query(&redirect, &challenge, &query(req, "app_state").unwrap_or_default()) {
                Ok(app) => Some(app),
                Err(field) => {
                    tracing::info!(client = %req.client.ip, field, "a desktop app's sign-in with a bad return address or challenge; refused");
                    return sentence(
                        400,
                        "Deze aanmelding van de app klopt niet (het terugkeeradres of de controlecode). Begin opnieuw vanuit de app.",
                        "This sign-in of the app is not right (its return address or check code). Start again from the app.",
                    );
                }
            }
        }
    };
    match accounts.provider.begin(next_page(req)).await {
        Ok((url, state, mut pending)) => {
            pending.app = app;
            if !accounts.keep(state.clone(), req.client.ip, pending) {
                return busy();
            }
            // The state goes to this browser too: a callback in another browser (a link someone
            // sent) is not this sign-in.
            Page::text(302, "Naar de aanmeldpagina. / To the sign-in page.\n")
                .with_header("Set-Cookie", state_cookie(accounts, &state, SIGN_IN_SECONDS))
                .with_header("Location", url)
        }
        Err(e) => refusal(&e, accounts),
    }
}

async fn callback(accounts: &Accounts, req: &Request, hub: &Hub) -> Page {
    let (name, _) = state_cookie_name(accounts);
    let state = query(req, "state");
    let ours = req.cookie.as_deref().and_then(|c| cookie_value(c, &name));
    if state.is_none() || state.as_deref() != ours {
        tracing::info!(client = %req.client.ip, "a sign-in came back to a browser that did not begin it; refused");
        return sentence(
            400,
            "Deze aanmelding is in een andere browser begonnen, of verlopen. Begin opnieuw bij Aanmelden, in deze browser.",
            "This sign-in began in another browser, or expired. Start again at Sign in, in this browser.",
        );
    }
    let pending = state.as_deref().and_then(|s| accounts.take(s));
    if let Some(error) = query(req, "error").filter(|_| pending.is_some()) {
        // The provider's own words are not shown: they come in through the address, which anyone can write.
        tracing::info!(client = %req.client.ip, error = error.chars().take(64).collect::<String>(), "the provider did not sign the user in");
        return sentence(
            403,
            "De aanmeldserver heeft je niet aangemeld (of je hebt het afgebroken). Probeer het opnieuw.",
            "The sign-in server did not sign you in (or you stopped). Try again.",
        );
    }
    let (Some(code), Some(pending)) = (query(req, "code"), pending) else {
        tracing::info!(client = %req.client.ip, "a sign-in came back that this server did not begin, or came back twice");
        return sentence(
            400,
            "Deze aanmelding is verlopen of al gebruikt. Begin opnieuw bij Aanmelden.",
            "This sign-in has expired or was already used. Start again at Sign in.",
        );
    };
    let next = pending.next.clone();
    let pending_app = pending.app.clone();
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
    // The desktop app's sign-in goes back to the app with a one-time code; the app comes for its token.
    if let Some(app) = pending_app {
        let name = identity.name.clone();
        let Some(code) = accounts.app_codes.issue(identity.subject, identity.name, role, app.challenge.clone()) else {
            return sentence(
                503,
                "Te veel aanmeldingen tegelijk; probeer het over een paar minuten opnieuw.",
                "Too many sign-ins at once; try again in a few minutes.",
            );
        };
        tracing::info!(client = %req.client.ip, role = role.as_str(), "a member of staff signed in for the desktop app; asked to confirm");
        // Asked first, not sent on: a link someone crafted (with a port of theirs) must not carry
        // the sign-in of whoever opens it to a program on that port without them knowing.
        return app_consent(&name, &app.location(&code)).with_header("Set-Cookie", state_cookie(accounts, "", 0));
    }
    let session_for = accounts.settings.session_for;
    let who = super::Staff { subject: identity.subject, name: identity.name, role };
    let Some((token, _)) = super::start_sign_in(hub, who, session_for, super::SignedInOn::Page, req.client).await else {
        return sentence(
            503,
            "Aanmelden lukte, maar de server kon het niet bewaren; probeer het zo opnieuw.",
            "Signed in, but the server could not store it; try again shortly.",
        );
    };
    tracing::info!(client = %req.client.ip, role = role.as_str(), "a member of staff signed in");
    Page::text(302, "Aangemeld. / Signed in.\n")
        // The cookie outlives the sign-in by a week, so that a page brought back after it expired
        // can say so (`accounts.refused`); the server alone decides what it is worth.
        .with_header("Set-Cookie", sign_in_cookie(accounts, &token, session_for.as_secs() + COOKIE_OUTLIVES))
        .with_header("Set-Cookie", state_cookie(accounts, "", 0))
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
    if let Some(token) = req.cookie.as_deref().and_then(|c| accounts.token_in(c)) {
        super::end_sign_in(hub, crate::secrets::hash_token(token), req.client).await;
    }
    Page::text(200, "Afgemeld. / Signed out.\n").with_header("Set-Cookie", sign_in_cookie(accounts, "", 0))
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
        SignInError::NotClient(why) => {
            tracing::warn!(why, "the sign-in provider does not accept this server: check --oidc-client-id and the client secret file");
            sentence(
                502,
                "De aanmeldserver van de gemeente aanvaardt deze server niet (de instellingen van de koppeling kloppen niet). Vraag je beheerder om ze na te kijken.",
                "The municipality's sign-in server does not accept this server (the link's settings are wrong). Ask your administrator to check them.",
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

/// The question before a sign-in goes to the desktop app: the one link goes to the app's own
/// address on this computer with the one-time code.
fn app_consent(name: &str, location: &str) -> Page {
    let html = format!(
        "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Aanmelden in de app – Dilemmaspel</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><main class=\"signin\">\
<h1>Aanmelden in de app <span lang=\"en\">/ Sign in to the app</span></h1>\
<p id=\"signin-nl\">Wil je de desktop-app van het dilemmaspel op deze computer aanmelden als {name}? Doe dit alleen als je net in de app op Aanmelden klikte.</p>\
<p lang=\"en\" id=\"signin-en\">Sign the dilemma game's desktop app on this computer in as {name}? Only if you just clicked Sign in in the app.</p>\
<p><a id=\"to-app\" href=\"{location}\">Ja, aanmelden in de app <span lang=\"en\">/ Yes, sign the app in</span></a></p>\
<p><a href=\"/host\">Nee, terug naar Sessie leiden <span lang=\"en\">/ No, back to Lead a session</span></a></p></main></body></html>\n",
        name = escape(name),
        location = escape(location),
    );
    Page::html(200, html)
}

/// A small page in Dutch and English with one sentence each and the way back.
fn sentence(status: u16, nl: &str, en: &str) -> Page {
    let html = format!(
        "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Aanmelden – Dilemmaspel</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><main class=\"signin\">\
<h1>Aanmelden <span lang=\"en\">/ Sign in</span></h1><p id=\"signin-nl\">{}</p><p lang=\"en\" id=\"signin-en\">{}</p>\
<p><a href=\"/host\">Terug naar Sessie leiden <span lang=\"en\">/ Back to Lead a session</span></a> · \
<a href=\"/auth/login\">Opnieuw aanmelden <span lang=\"en\">/ Sign in again</span></a></p></main></body></html>\n",
        escape(nl),
        escape(en)
    );
    Page::html(status, html)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_a_path_on_this_server_is_where_a_sign_in_goes_back_to() {
        for ok in ["/host", "/host?follows=K7M2QX", "/watch?code=ABC"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "host",
            "/h\u{e9}",
            "",
            "/a b",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
