//! What a request that is not the websocket gets: the health check, or one of the browser pages.

use std::net::SocketAddr;

use crate::http::Request;
use crate::hub::Hub;
use crate::web::{self, Page};

pub async fn answer(req: &Request, local: SocketAddr, hub: &Hub) -> Page {
    if req.path().starts_with("/auth/") && hub.accounts().is_some() {
        return crate::staff::signin::answer(req, hub).await;
    }
    if req.method != "GET" && req.method != "HEAD" {
        return Page::text(405, "Alleen GET. / Only GET.\n");
    }
    if req.path() == "/healthz" {
        return match hub.health().await {
            Ok(()) => Page::text(200, "ok\n"),
            Err(why) => Page::owned(503, format!("{why}\n")),
        };
    }
    // A join link speaks its session's language from the first screen.
    let language = web::join_code_of(&req.target).and_then(|code| hub.language_of(&code, req.client));
    let mut page = match language {
        Some(lang) => web::index_in(&lang),
        None => web::page(&req.target, req.host.as_deref(), local, hub.config().public_url.as_ref()),
    };
    if !req.gzip {
        page.gzipped = None;
    }
    page
}
