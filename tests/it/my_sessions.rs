//! A signed-in facilitator's own sessions against the real OpenID provider: listed on any device she signs in on, led from another browser, shared with a colleague, followed up without the earlier token; and every way of asking for someone else's session refused over real sockets.

use integration_tests::TestClient;
use protocol::{ErrorCode, Role, ServerMsg, StaffSession};
use serde_json::json;

use crate::oidc::{Staffed, create, sign_in, socket, staff_cookie};
use crate::process::Binary;

/// The `Cookie` header of the browser signed in on `page`.
async fn cookie_of(page: &crate::browser::Page) -> String {
    format!("dilemma_staff={}", staff_cookie(page).await["value"].as_str().unwrap())
}

/// `my_sessions` over a new socket with `cookie`: the list, or the refusal's code.
async fn my_sessions(url: &str, origin: &str, cookie: Option<&str>, all: bool) -> Result<Vec<StaffSession>, ErrorCode> {
    let mut c = socket(url, cookie, Some(origin)).await.unwrap();
    c.send(json!({"type":"my_sessions","protocol":1,"all":all})).await;
    answer(&mut c, |m| match m {
        ServerMsg::MySessions { sessions } => Some(sessions.clone()),
        _ => None,
    })
    .await
}

/// The first answer `pick` takes, or the refusal's code.
async fn answer<T>(c: &mut TestClient, mut pick: impl FnMut(&ServerMsg) -> Option<T>) -> Result<T, ErrorCode> {
    c.expect("an answer or a refusal", |m| match m {
        ServerMsg::Error { code, .. } => Some(Err(*code)),
        m => pick(m).map(Ok),
    })
    .await
}

/// `lead` over `c`: (role, token) of the welcome, or the refusal's code.
async fn lead(c: &mut TestClient, code: &str) -> Result<(Role, String), ErrorCode> {
    c.send(json!({"type":"lead","protocol":1,"code":code})).await;
    answer(c, |m| match m {
        ServerMsg::Welcome { role, token, .. } => Some((*role, token.clone())),
        _ => None,
    })
    .await
}

/// `share` over a new socket: to whom it is shared now, or the refusal's code.
async fn share(url: &str, origin: &str, cookie: &str, code: &str, name: &str, remove: bool) -> Result<Vec<String>, ErrorCode> {
    let mut c = socket(url, Some(cookie), Some(origin)).await.unwrap();
    c.send(json!({"type":"share","protocol":1,"code":code,"name":name,"remove":remove})).await;
    answer(&mut c, |m| match m {
        ServerMsg::Shared { shared, .. } => Some(shared.clone()),
        _ => None,
    })
    .await
}

fn codes(list: &[StaffSession]) -> Vec<(&str, bool)> {
    list.iter().map(|s| (s.code.as_str(), s.own)).collect()
}

#[tokio::test]
async fn a_facilitators_sessions_follow_her_to_another_browser_and_to_the_colleague_she_shares_one_with() {
    let Some(Staffed { driver, base, provider, dir, server, .. }) = Staffed::start().await else { return };
    let downloads = tempfile::tempdir().unwrap();

    // Fien starts a session on her own laptop; it is the first under her sessions.
    let own = driver.laptop("nl", downloads.path()).await;
    sign_in(&own, &base, "fien").await;
    own.wait_text(".mine", "Je hebt nog geen sessies op deze server.").await;
    let code = crate::host::create(&own, "samen-werken", "Team Oost").await;
    let mut players = Vec::new();
    for _ in 0..3 {
        let mut p = server.client().await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }

    // In the workshop room, on a laptop that never led it (a browser of its own), she signs in and
    // finds it, with how many joined, and takes it over: her own laptop is told so.
    let room = driver.laptop("nl", downloads.path()).await;
    sign_in(&room, &base, "fien").await;
    let row = format!("[data-code=\"{code}\"]");
    room.wait_text(&row, "Team Oost").await;
    room.wait_text(&row, "Nog niets geopend · 3 deelnemers").await;
    room.assert_accessible("my sessions").await;
    room.screenshot("host-my-sessions").await;
    room.tap(&format!("[data-key=lead-{code}]")).await;
    room.wait_for("the lobby", "document.querySelector('.join .code')").await;
    assert_eq!(room.text(".join .code").await, code);
    own.wait_text("main", "Je leidt deze sessie nu in een ander venster of op een ander apparaat.").await;
    // A reload in the room resumes with this browser's own token: no second take-over.
    room.open(&format!("{base}/host?code={code}")).await;
    room.wait_for("the lobby again", "document.querySelector('.join .code')").await;
    let db = rusqlite::Connection::open(dir.path().join("workshop.db")).unwrap();
    let tokens: i64 = db.query_row("SELECT count(*) FROM lead_tokens WHERE code = ?1", [&code], |r| r.get(0)).unwrap();
    assert_eq!(tokens, 1, "one token for the room's laptop");

    // She shares it with Tom, by the address he signs in with (case does not matter).
    room.open(&format!("{base}/host")).await;
    room.tap(&format!("[data-key=share-open-{code}]")).await;
    room.keys(&format!("#share-{code}"), "Tom@Gemeente.example").await;
    room.tap(&format!("[data-key=share-button-{code}]")).await;
    room.wait_text(&format!("{row} .shared"), "Gedeeld met Tom@Gemeente.example").await;
    room.assert_accessible("shared").await;
    room.screenshot("host-my-sessions-shared").await;

    // Tom sees it as a colleague's on his laptop and leads it: an item, the room answers, the end.
    let tom = driver.laptop("nl", downloads.path()).await;
    sign_in(&tom, &base, "tom").await;
    tom.wait_text(&row, "met je gedeeld door een collega").await;
    assert_eq!(
        tom.js(&format!("return !!document.getElementById('share-{code}')"), vec![]).await,
        json!(false),
        "only its creator shares it"
    );
    tom.tap(&format!("[data-key=lead-{code}]")).await;
    tom.wait_for("the lobby", "document.querySelector('.join .code')").await;
    let mut toms = socket(&server.url, Some(&cookie_of(&tom).await), Some(&base)).await.unwrap();
    assert_eq!(lead(&mut toms, &code).await.map(|(role, _)| role), Ok(Role::Facilitator));
    toms.send(json!({"type":"control","action":"open","item":"groen-speeltuin"})).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
        p.send(json!({"type":"answer","item":"groen-speeltuin","option":"eens"})).await;
        p.expect("answer_ack", |m| matches!(m, ServerMsg::AnswerAck { .. }).then_some(())).await;
    }
    toms.send(json!({"type":"control","action":"reveal"})).await;
    toms.send(json!({"type":"control","action":"end"})).await;
    toms.expect("the end", |m| matches!(m, ServerMsg::Session { session } if session.phase == protocol::Phase::Ended).then_some(())).await;

    // Back in the room Fien opens it ended, with its reports.
    room.open(&format!("{base}/host")).await;
    room.wait_text(&row, "Afgelopen").await;
    room.tap(&format!("[data-key=lead-{code}]")).await;
    room.wait_text("main", "De sessie is afgelopen.").await;
    room.tap("[data-key=export-md]").await;
    room.wait_for("the report to save", "document.querySelector('[data-file]')").await;

    // Three months later, on a new laptop that never led it, she prepares the follow-up from her
    // list: no token of it in this browser, her sign-in is the proof.
    let new = driver.laptop("nl", downloads.path()).await;
    sign_in(&new, &base, "fien").await;
    new.wait_text(&row, "Afgelopen").await;
    new.tap(&format!("[data-key=follow-{code}]")).await;
    assert_eq!(new.js("return document.getElementById('follows').value", vec![]).await, json!(code));
    let kept = new.js("return Object.keys(localStorage).filter(k => k.includes(arguments[0]))", vec![json!(code)]).await;
    assert_eq!(kept, json!([]), "nothing of the session in this browser");
    let later = crate::host::create(&new, "samen-werken", "Drie maanden later").await;
    assert_ne!(later, code);
    new.wait_text(".follows", "Vervolg op \"Team Oost\"").await;
    let fiens = cookie_of(&new).await;
    let list = my_sessions(&server.url, &base, Some(&fiens), false).await.unwrap();
    assert_eq!(codes(&list), [(later.as_str(), true), (code.as_str(), true)], "newest first");
    assert_eq!((list[0].follows.as_deref(), list[1].shared.clone()), (Some(code.as_str()), vec!["Tom@Gemeente.example".to_owned()]));

    // Olga runs the server: her list of all sessions has both, neither hers; she ends the one that
    // runs, and reads in the audit log who did what.
    let olga = driver.laptop("nl", downloads.path()).await;
    sign_in(&olga, &base, "olga").await;
    olga.wait_text("#account-h", "(beheerder)").await;
    let all = my_sessions(&server.url, &base, Some(&cookie_of(&olga).await), true).await.unwrap();
    assert_eq!(codes(&all), [(later.as_str(), false), (code.as_str(), false)]);
    olga.wait_text("#mine-h", "Alle sessies op deze server").await;
    olga.tap(&format!("[data-key=lead-{later}]")).await;
    olga.wait_for("the lobby", "document.querySelector('.join .code')").await;
    olga.tap("[data-key=end]").await;
    olga.tap("[data-key=end-yes]").await;
    olga.wait_text("main", "De sessie is afgelopen.").await;
    olga.open(&format!("{base}/host")).await;
    olga.tap("[data-key=audit-show]").await;
    olga.wait_for("the audit log", "document.querySelector('table.audit tbody tr')").await;
    olga.assert_accessible("audit log").await;
    olga.screenshot("host-audit-log").await;
    let rows = olga
        .js("return [...document.querySelectorAll('table.audit tbody tr')].map(r => [...r.cells].slice(1).map(c => c.textContent).join('|'))", vec![])
        .await;
    let rows: Vec<String> = serde_json::from_value(rows).unwrap();
    for want in [
        format!("olga@gemeente.example|sessie beëindigd|{later}|127.0.0.1"),
        "olga@gemeente.example|aangemeld|pagina|127.0.0.1".to_owned(),
        format!("fien@gemeente.example|sessie gestart|{later}|127.0.0.1"),
        format!("tom@gemeente.example|sessie beëindigd|{code}|127.0.0.1"),
        format!("tom@gemeente.example|sessie overgenomen|{code}|127.0.0.1"),
        format!("fien@gemeente.example|verslag gedownload|{code} md|127.0.0.1"),
        format!("fien@gemeente.example|gedeeld met|{code} Tom@Gemeente.example|127.0.0.1"),
        format!("fien@gemeente.example|sessie overgenomen|{code}|127.0.0.1"),
        format!("fien@gemeente.example|sessie gestart|{code}|127.0.0.1"),
    ] {
        assert!(rows.contains(&want), "{want} in {rows:#?}");
    }
    assert_eq!(rows.iter().position(|r| r.starts_with("olga")), Some(0), "newest first: {rows:#?}");
    // Clearing away old sessions asks first; none is a year old.
    olga.tap("[data-key=purge]").await;
    olga.wait_text("#purge-q", "Alle afgelopen sessies ouder dan 365 dagen wissen?").await;
    olga.assert_accessible("purge asked").await;
    olga.tap("[data-key=purge-yes]").await;
    olga.wait_text("[data-key=purge-said]", "0 afgelopen sessies ouder dan 365 dagen gewist.").await;
    for page in [own, room, new, tom, olga] {
        page.close().await;
    }
    provider.stop().await;
}

#[tokio::test]
async fn only_its_creator_a_colleague_it_is_shared_with_or_an_operator_lead_a_session_and_the_proof_survives_a_crash() {
    let Some(Staffed { driver, port, base, provider, dir, server }) = Staffed::start().await else { return };
    let downloads = tempfile::tempdir().unwrap();
    let mut cookies = Vec::new();
    // Nina set her e-mail address at the provider to Tom's; it does not vouch for it, so she is named by her user name.
    for (who, named) in
        [("fien", "fien@gemeente.example"), ("tom", "tom@gemeente.example"), ("olga", "olga@gemeente.example"), ("nina", "nina")]
    {
        let page = driver.laptop("nl", downloads.path()).await;
        sign_in(&page, &base, who).await;
        page.wait_text("#account-h", &format!("Aangemeld als {named} (")).await;
        cookies.push(cookie_of(&page).await);
        page.close().await;
    }
    let [fien, tom, olga, nina] = [&cookies[0], &cookies[1], &cookies[2], &cookies[3]];
    let url = server.url.clone();
    // The audit log: an operator's only.
    for (cookie, allowed) in [(None, false), (Some(fien), false), (Some(olga), true)] {
        let mut c = socket(&url, cookie.map(String::as_str), Some(&base)).await.unwrap();
        c.send(json!({"type":"audit","protocol":1})).await;
        let read = answer(&mut c, |m| matches!(m, ServerMsg::Audit { .. }).then_some(())).await;
        assert_eq!(read.is_ok(), allowed, "{cookie:?}: {read:?}");
    }
    let mut first = socket(&url, Some(fien), Some(&base)).await.unwrap();
    let code = create(&mut first).await.unwrap();

    // The list: hers only, nobody's without a sign-in, every session only for an operator.
    assert_eq!(my_sessions(&url, &base, None, false).await.err(), Some(ErrorCode::Unauthorized));
    assert_eq!(codes(&my_sessions(&url, &base, Some(fien), false).await.unwrap()), [(code.as_str(), true)]);
    assert!(my_sessions(&url, &base, Some(tom), false).await.unwrap().is_empty(), "not Tom's");
    assert_eq!(my_sessions(&url, &base, Some(tom), true).await.err(), Some(ErrorCode::Unauthorized), "all: operators only");

    // Leading: not without a sign-in, not Tom; an operator any, but no code that is none.
    let mut bare = socket(&url, None, Some(&base)).await.unwrap();
    assert_eq!(lead(&mut bare, &code).await.err(), Some(ErrorCode::Unauthorized));
    let mut by_tom = socket(&url, Some(tom), Some(&base)).await.unwrap();
    assert_eq!(lead(&mut by_tom, &code).await.err(), Some(ErrorCode::Unauthorized));
    let mut by_olga = socket(&url, Some(olga), Some(&base)).await.unwrap();
    assert_eq!(lead(&mut by_olga, "ZZZZZZ").await.err(), Some(ErrorCode::UnknownSession));
    let (role, olgas_token) = lead(&mut by_olga, &code).await.unwrap();
    assert_eq!(role, Role::Facilitator, "an operator may lead any session");
    // Fien from another browser: a token of its own; the older connection is closed.
    let mut again = socket(&url, Some(fien), Some(&base)).await.unwrap();
    let (role, token) = lead(&mut again, &code).await.unwrap();
    assert_eq!(role, Role::Facilitator);
    assert!(token.len() == 32 && token != olgas_token, "a token of its own");
    let closed = by_olga.closed().await;
    assert!(closed.as_ref().is_some_and(|f| f.reason.as_str() == "elders opnieuw verbonden"), "{closed:?}");

    // Sharing: only by its creator, a name that is one, at most ten colleagues.
    assert_eq!(share(&url, &base, tom, &code, "tom@gemeente.example", false).await.err(), Some(ErrorCode::Unauthorized));
    assert_eq!(share(&url, &base, fien, "ZZZZZZ", "tom@gemeente.example", false).await.err(), Some(ErrorCode::Unauthorized));
    let long = "a".repeat(201);
    for bad in ["", "   ", "tom\u{7}@gemeente.example", long.as_str()] {
        assert_eq!(share(&url, &base, fien, &code, bad, false).await.err(), Some(ErrorCode::BadRequest), "{bad:?}");
    }
    for i in 0..10 {
        assert_eq!(share(&url, &base, fien, &code, &format!("collega{i}@gemeente.example"), false).await.unwrap().len(), i + 1);
    }
    assert_eq!(share(&url, &base, fien, &code, "tom@gemeente.example", false).await.err(), Some(ErrorCode::SessionFull));
    assert_eq!(share(&url, &base, fien, &code, "collega0@gemeente.example", true).await.unwrap().len(), 9);
    share(&url, &base, fien, &code, "TOM@gemeente.example", false).await.unwrap();
    let mut by_tom = socket(&url, Some(tom), Some(&base)).await.unwrap();
    let (_, toms_token) = lead(&mut by_tom, &code).await.unwrap();
    let toms = my_sessions(&url, &base, Some(tom), false).await.unwrap();
    assert_eq!(codes(&toms), [(code.as_str(), false)]);
    assert!(toms[0].shared.is_empty(), "a colleague is not told to whom else it went");
    assert_eq!(share(&url, &base, tom, &code, "nina", false).await.err(), Some(ErrorCode::Unauthorized), "a colleague shares no further");
    // Nina's typed address is no share: she sees nothing and leads nothing.
    assert!(my_sessions(&url, &base, Some(nina), false).await.unwrap().is_empty());
    let mut by_nina = socket(&url, Some(nina), Some(&base)).await.unwrap();
    assert_eq!(lead(&mut by_nina, &code).await.err(), Some(ErrorCode::Unauthorized));

    // A follow-up without the token: Fien and Tom may, once it is taken back from Tom he may not.
    by_tom.send(json!({"type":"control","action":"end"})).await;
    by_tom
        .expect("the end", |m| matches!(m, ServerMsg::Session { session } if session.phase == protocol::Phase::Ended).then_some(()))
        .await;
    share(&url, &base, fien, &code, "tom@gemeente.example", true).await.unwrap();
    // Taken back from Tom: his browser's connection closes and its token resumes nothing.
    let closed = by_tom.closed().await;
    assert!(closed.as_ref().is_some_and(|f| f.reason.as_str() == "niet meer met je gedeeld"), "{closed:?}");
    let mut c = server.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":toms_token})).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized, "Tom's token went with the share");
    let follow = |cookie: String| {
        let (url, base, code) = (url.clone(), base.clone(), code.clone());
        async move {
            let mut c = socket(&url, Some(&cookie), Some(&base)).await.unwrap();
            c.send(json!({"type":"create_session","protocol":1,"scenario":"samen-werken","follows":{"code":code}})).await;
            answer(&mut c, |m| match m {
                ServerMsg::Welcome { .. } => Some(()),
                _ => None,
            })
            .await
            .map_err(|e| (e, c))
        }
    };
    let (refused, c) = follow(tom.clone()).await.unwrap_err();
    assert_eq!(refused, ErrorCode::Unauthorized, "no longer shared with Tom");
    let said = c.seen.iter().rev().find_map(|m| match m {
        ServerMsg::Error { message, .. } => Some(message.clone()),
        _ => None,
    });
    assert!(said.is_some_and(|s| s.contains("vervolg")), "the sentence says why");
    assert!(follow(fien.clone()).await.is_ok(), "hers: her sign-in is the proof");

    // At most 32 browsers take one session over; a further one is refused with a sentence.
    let taken: i64 = rusqlite::Connection::open(dir.path().join("workshop.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM lead_tokens WHERE code = ?1", [&code], |r| r.get(0))
        .unwrap();
    assert_eq!(taken, 2, "Olga and Fien each took it over once; Tom's token went with the share");
    for _ in 2..session_server::store::MAX_LEAD_TOKENS {
        let mut c = socket(&url, Some(fien), Some(&base)).await.unwrap();
        lead(&mut c, &code).await.unwrap();
    }
    let mut one_more = socket(&url, Some(fien), Some(&base)).await.unwrap();
    assert_eq!(lead(&mut one_more, &code).await.err(), Some(ErrorCode::SessionFull));

    // A session that is over and done with, for the purge below.
    let mut old = socket(&url, Some(fien), Some(&base)).await.unwrap();
    let gone = create(&mut old).await.unwrap();
    old.send(json!({"type":"control","action":"end"})).await;
    old.expect("the end", |m| matches!(m, ServerMsg::Session { session } if session.phase == protocol::Phase::Ended).then_some(())).await;

    // Killed and started again: the tokens of those browsers still resume as its facilitator.
    drop(server);
    let server = crate::oidc::server(dir.path(), port, &provider.issuer).await;
    let url = server.url.clone();

    // Purging from the page's socket: an operator's only, a number of days that is one; it takes
    // the ended sessions that old (made two days old here), and the log says who did it.
    let purge = |cookie: &String, days: i64| {
        let (url, base, cookie) = (url.clone(), base.clone(), cookie.clone());
        async move {
            let mut c = socket(&url, Some(&cookie), Some(&base)).await.unwrap();
            c.send(json!({"type":"purge","protocol":1,"older_than_days":days})).await;
            answer(&mut c, |m| match m {
                ServerMsg::Purged { sessions, .. } => Some(*sessions),
                _ => None,
            })
            .await
        }
    };
    assert_eq!(purge(fien, 1).await, Err(ErrorCode::Unauthorized));
    for days in [0, 36_501, -1] {
        assert_eq!(purge(olga, days).await, Err(ErrorCode::BadRequest), "{days} days");
    }
    let db = rusqlite::Connection::open(dir.path().join("workshop.db")).unwrap();
    db.execute("UPDATE sessions SET created_ms = created_ms - 2 * 86400000 WHERE code = ?1", [&gone]).unwrap();
    assert_eq!(purge(olga, 1).await, Ok(1), "only the one ended two days ago");
    let left: i64 = db.query_row("SELECT count(*) FROM sessions WHERE code = ?1", [&gone], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
    let line: String =
        db.query_row("SELECT who || ' ' || what FROM audit WHERE action = 'purged' ORDER BY rowid DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(line, "olga@gemeente.example 1 ouder dan 1 dagen");
    let mut c = server.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    assert_eq!(c.welcomed().await.role, Role::Facilitator, "Fien's browser's token through kill -9");
    let mut c = server.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":toms_token})).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized, "Tom's, taken back, not even after a restart");
    provider.stop().await;
}

#[tokio::test]
async fn without_accounts_the_server_says_so_and_nobody_leads_by_sign_in() {
    let dir = crate::process::scenario_dir(&[("test.toml", integration_tests::TEST_DECK)]);
    let server = Binary::start(dir.path(), 0).await;
    let mut c = server.client().await;
    c.send(json!({"type":"my_sessions","protocol":1})).await;
    let (code, said) = c.error().await;
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(said.contains("zonder accounts"), "{said}");
    let (mut f, session, _) = server.facilitator("test").await;
    f.send(json!({"type":"control","action":"end"})).await;
    c.send(json!({"type":"lead","protocol":1,"code":session})).await;
    assert_eq!(c.error().await.0, ErrorCode::BadRequest);
    c.send(json!({"type":"share","protocol":1,"code":session,"name":"tom@gemeente.example"})).await;
    assert_eq!(c.error().await.0, ErrorCode::BadRequest);
    // A follow-up still needs the earlier session's token here.
    let mut later = server.client().await;
    later.send(json!({"type":"create_session","protocol":1,"scenario":"test","follows":{"code":session}})).await;
    assert_eq!(later.error().await.0, ErrorCode::Unauthorized);
}
