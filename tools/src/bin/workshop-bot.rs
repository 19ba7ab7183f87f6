//! `workshop-bot`: a scripted room for demos, rehearsals and screenshots: a facilitator and bots, driven line by line.
//!
//! Reads commands on standard input and answers each with `key=value` lines and then `ok`:
//!
//! ```text
//! create SCENARIO [TITLE…]     code=…  facilitator=TOKEN (a new room: the bots start afresh)
//! follow CODE TOKEN SCENARIO [TITLE…]  the same, as a follow-up of ended session CODE (its facilitator TOKEN)
//! join N [TEAM]                players=N (bots that stay connected)
//! player [TEAM]                player=TOKEN (one more bot, whose token a real client can resume)
//! open ITEM | close | reveal | start_timer | end   (open the sketch being played again: its statement opens)
//! agree TEXT…                  the facilitator records an agreement (about no item)
//! answer ITEM OPTION N         N bots that have not answered ITEM answer OPTION
//! guess ITEM PERCENT N         N bots that answered ITEM (and did not guess) guess the room's share of its first option
//! reason ITEM TEXT…            one bot that answered ITEM (and gave no reason) gives this reason
//! show TEXT…                   the facilitator puts the reason with this text on the projector
//! statement TEXT…              the facilitator adds a statement from the room
//! ask ITEM both|predict|reasons|none   the facilitator turns guessing and reasons on or off
//! roles                        role=TOKEN NAME for every bot that was given a role
//! sleep MS
//! ```
//! A bot whose connection is taken over by a real client (resume) waits quietly, and resumes
//! itself when it is told to act again. It only talks to loopback addresses.

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use dilemma_tools::client::{Client, Received};
use protocol::{ClientMsg, ControlAction, PROTOCOL_VERSION, ServerMsg};
use tokio::sync::{mpsc, oneshot};

#[derive(Parser)]
#[command(version, about = "A scripted room of bots for demos and screenshots (commands on stdin).")]
struct Args {
    /// The server, on loopback.
    #[arg(long, default_value = "ws://127.0.0.1:7878/ws")]
    url: String,
}

/// One participant: a task that keeps reading, sends what it is told, and notes its roles (and,
/// for the facilitator, the reasons it was sent: id and text).
struct Bot {
    token: String,
    tx: mpsc::UnboundedSender<ClientMsg>,
    roles: Arc<Mutex<Vec<String>>>,
    reasons: Arc<Mutex<Vec<(String, String)>>>,
    answered: Vec<String>,
    guessed: Vec<String>,
    reasoned: Vec<String>,
}

async fn bot(url: String, opening: ClientMsg) -> Result<(Bot, String), String> {
    let mut c = Client::connect(&url).await.map_err(|e| e.to_string())?;
    c.send(&opening).await.map_err(|e| e.to_string())?;
    let (code, token) = loop {
        match c.recv(Duration::from_secs(5)).await {
            Some(ServerMsg::Welcome { code, token, .. }) => break (code, token),
            Some(ServerMsg::Error { message, .. }) => return Err(message),
            Some(_) => {}
            None => return Err("no welcome".into()),
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<ClientMsg>();
    let roles = Arc::new(Mutex::new(Vec::new()));
    let reasons = Arc::new(Mutex::new(Vec::new()));
    let (noted, heard) = (roles.clone(), reasons.clone());
    let resume = ClientMsg::Resume { protocol: PROTOCOL_VERSION, code: code.clone(), token: token.clone() };
    tokio::spawn(async move {
        let mut conn = Some(c);
        loop {
            match conn.as_mut() {
                Some(c) => tokio::select! {
                    got = c.next(Duration::from_secs(3600)) => match got {
                        Received::Msg(ServerMsg::Role { role, .. }) => noted.lock().expect("roles").push(role),
                        Received::Msg(ServerMsg::Reasons { groups, .. }) => {
                            *heard.lock().expect("reasons") = groups.into_iter().flat_map(|g| g.reasons).map(|r| (r.id, r.text)).collect();
                        }
                        Received::Msg(_) | Received::Nothing => {}
                        Received::Closed(_) => conn = None,
                    },
                    out = rx.recv() => match out {
                        Some(m) => { let _ = c.send(&m).await; }
                        None => return,
                    },
                },
                None => {
                    let Some(m) = rx.recv().await else { return };
                    if let Ok(mut c) = Client::connect(&url).await {
                        let _ = c.send(&resume).await;
                        let _ = c.send(&m).await;
                        conn = Some(c);
                    }
                }
            }
        }
    });
    Ok((Bot { token: token.clone(), tx, roles, reasons, answered: Vec::new(), guessed: Vec::new(), reasoned: Vec::new() }, code))
}

/// Adds `n` bots to the room; with `show`, prints each one's token for a real client to resume.
async fn join(url: &str, code: &str, n: usize, team: &[&str], show: bool, bots: &mut Vec<Bot>) {
    let team = (!team.is_empty()).then(|| team.join(" "));
    for _ in 0..n {
        let opening = ClientMsg::Join { protocol: PROTOCOL_VERSION, code: code.to_owned(), name: None, team: team.clone() };
        match bot(url.to_owned(), opening).await {
            Ok((b, _)) => {
                if show {
                    println!("player={}", b.token);
                }
                bots.push(b);
            }
            Err(e) => println!("error={e}"),
        }
    }
    println!("players={}", bots.len());
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if dilemma_tools::loadgen::check_loopback(&args.url).is_err() {
        eprintln!("workshop-bot only talks to loopback addresses, e.g. ws://127.0.0.1:7878/ws");
        return std::process::ExitCode::FAILURE;
    }
    let (line_tx, mut lines) = mpsc::unbounded_channel::<(String, oneshot::Sender<()>)>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let (done, wait) = oneshot::channel();
            if line_tx.send((line, done)).is_err() || wait.blocking_recv().is_err() {
                return;
            }
        }
    });
    let mut code = String::new();
    let mut facilitator: Option<Bot> = None;
    let mut bots: Vec<Bot> = Vec::new();
    while let Some((line, done)) = lines.recv().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        let p = PROTOCOL_VERSION;
        let control = |f: &Option<Bot>, action: ControlAction, item: Option<&str>| {
            if let Some(f) = f {
                let _ = f.tx.send(ClientMsg::Control { action, item: item.map(str::to_owned) });
            }
        };
        match words.as_slice() {
            ["create", scenario, title @ ..] | ["follow", _, _, scenario, title @ ..] => {
                bots.clear();
                let title = (!title.is_empty()).then(|| title.join(" "));
                let follows = match words.as_slice() {
                    ["follow", code, token, ..] => Some(protocol::FollowUp { code: (*code).into(), token: (*token).into() }),
                    _ => None,
                };
                match bot(
                    args.url.clone(),
                    ClientMsg::CreateSession {
                        protocol: p,
                        scenario: (*scenario).into(),
                        title,
                        key: None,
                        follows,
                        min_group: None,
                        preview: false,
                    },
                )
                .await
                {
                    Ok((f, c)) => {
                        println!("code={c}\nfacilitator={}", f.token);
                        code = c;
                        facilitator = Some(f);
                    }
                    Err(e) => println!("error={e}"),
                }
            }
            ["join", n, team @ ..] if !code.is_empty() => {
                join(&args.url, &code, n.parse().unwrap_or(0), team, false, &mut bots).await;
            }
            ["player", team @ ..] if !code.is_empty() => join(&args.url, &code, 1, team, true, &mut bots).await,
            ["open", item] => control(&facilitator, ControlAction::Open, Some(item)),
            ["close"] => control(&facilitator, ControlAction::Close, None),
            ["agree", text @ ..] if !text.is_empty() => {
                if let Some(f) = &facilitator {
                    let _ = f.tx.send(ClientMsg::Agreement { text: text.join(" "), item: None });
                }
            }
            ["reveal"] => control(&facilitator, ControlAction::Reveal, None),
            ["start_timer"] => control(&facilitator, ControlAction::StartTimer, None),
            ["end"] => control(&facilitator, ControlAction::End, None),
            ["answer", item, option, n] => {
                let n: usize = n.parse().unwrap_or(0);
                for b in bots.iter_mut().filter(|b| !b.answered.iter().any(|i| i == item)).take(n) {
                    let _ = b.tx.send(ClientMsg::Answer { item: (*item).into(), option: (*option).into() });
                    b.answered.push((*item).into());
                }
            }
            ["guess", item, percent, n] => {
                let (percent, n) = (percent.parse().unwrap_or(50), n.parse().unwrap_or(0));
                for b in bots.iter_mut().filter(|b| b.answered.iter().any(|i| i == item) && !b.guessed.iter().any(|i| i == item)).take(n) {
                    let _ = b.tx.send(ClientMsg::Predict { item: (*item).into(), percent });
                    b.guessed.push((*item).into());
                }
            }
            ["reason", item, text @ ..] if !text.is_empty() => {
                if let Some(b) = bots.iter_mut().find(|b| b.answered.iter().any(|i| i == item) && !b.reasoned.iter().any(|i| i == item)) {
                    let _ = b.tx.send(ClientMsg::Reason { item: (*item).into(), text: text.join(" ") });
                    b.reasoned.push((*item).into());
                }
            }
            ["show", text @ ..] if !text.is_empty() => {
                let text = text.join(" ");
                let found = facilitator
                    .as_ref()
                    .and_then(|f| f.reasons.lock().expect("reasons").iter().find(|(_, t)| *t == text).map(|(id, _)| id.clone()));
                match (found, &facilitator) {
                    (Some(id), Some(f)) => {
                        let _ = f.tx.send(ClientMsg::ShowReason { reason: Some(id) });
                    }
                    _ => println!("error=no reason \"{text}\" was sent to the facilitator"),
                }
            }
            ["statement", text @ ..] if !text.is_empty() => {
                if let Some(f) = &facilitator {
                    let _ = f.tx.send(ClientMsg::AddStatement { statement: text.join(" "), options: Vec::new() });
                }
            }
            ["ask", item, what] => {
                let (predict, reasons) = match *what {
                    "both" => (true, true),
                    "predict" => (true, false),
                    "reasons" => (false, true),
                    _ => (false, false),
                };
                if let Some(f) = &facilitator {
                    let _ = f.tx.send(ClientMsg::Ask { item: (*item).into(), predict, reasons });
                }
            }
            ["roles"] => {
                for b in &bots {
                    for r in b.roles.lock().expect("roles").iter() {
                        println!("role={} {r}", b.token);
                    }
                }
            }
            ["sleep", ms] => tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await,
            [] => {}
            _ => println!("error=unknown command: {line}"),
        }
        // Give the server a moment, so the next command sees the effect of this one.
        tokio::time::sleep(Duration::from_millis(150)).await;
        println!("ok");
        let _ = done.send(());
    }
    std::process::ExitCode::SUCCESS
}
