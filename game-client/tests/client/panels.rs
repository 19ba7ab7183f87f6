//! The screens as plain egui functions, driven with egui_kittest: click, and see the action.

use std::time::Instant;

use bevy_egui::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use game_client::i18n::Lang;
use game_client::ui::{self, Action, EditForm, Form, LeadForm, Screen, StartForm, StartTab};
use game_client::view::{RoleCard, ViewState};
use protocol::scenario::{Deck, parse_deck};
use protocol::{ControlAction, Phase, Role, ScenarioSummary, SessionView, TimerView};

struct St {
    view: ViewState,
    form: Form,
    report: game_client::report::ReportStatus,
    screen: Screen,
    action: Option<Action>,
}

fn harness(view: ViewState, form: Form) -> Harness<'static, St> {
    let screen = ui::screen_for(&view);
    Harness::builder().with_size(egui::vec2(1600.0, 1000.0)).build_ui_state(
        |ui, st: &mut St| {
            if let Some(a) = ui::draw(ui, st.screen, &st.view, &mut st.form, &st.report, Instant::now()) {
                st.action = Some(a);
            }
        },
        St { view, form, report: Default::default(), screen, action: None },
    )
}

/// A deck as the server lists it, without description or themes.
fn summary(id: &str, title: &str, language: &str, items: usize) -> ScenarioSummary {
    ScenarioSummary {
        id: id.into(),
        title: title.into(),
        language: language.into(),
        items,
        sketches: 0,
        description: String::new(),
        themes: vec![],
    }
}

fn deck() -> Deck {
    parse_deck("test.toml", integration_tests::TEST_DECK).unwrap()
}

fn in_session(role: Role, phase: Phase, item: Option<usize>, lang: Lang) -> ViewState {
    let deck = deck();
    let facilitator = role == Role::Facilitator;
    let session = SessionView {
        code: "K7M2QX".into(),
        title: "Team Wijken".into(),
        scenario: "test".into(),
        language: "nl".into(),
        phase,
        index: item,
        count: deck.items.len(),
        participants: 23,
        answered: 17,
        item: item.map(|i| deck.items[i].view(facilitator)),
        timer: None,
        items: facilitator.then(|| deck.items.iter().map(|i| i.view(true)).collect()),
        follows: None,
        min_group: Default::default(),
        preview: false,
        teams: 0,
    };
    ViewState {
        lang,
        role: Some(role),
        code: Some("K7M2QX".into()),
        session: Some(session),
        session_at: Some(Instant::now()),
        ..ViewState::default()
    }
}

#[test]
fn joining_from_the_start_screen() {
    let form = Form {
        start: StartForm { tab: StartTab::Join, code: "k7m2qx".into(), team: " Oost ".into(), ..Default::default() },
        ..Form::default()
    };
    let mut h = harness(ViewState::default(), form);
    h.get_by_label("Doe mee").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Join { code: "k7m2qx".into(), name: None, team: Some("Oost".into()) }));
}

#[test]
fn hosting_picks_a_deck() {
    let view = ViewState {
        scenarios: vec![
            summary("a", "Eerste", "nl", 3),
            ScenarioSummary { description: "Over iets".into(), ..summary("b", "Tweede", "en", 5) },
        ],
        ..ViewState::default()
    };
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label_contains("Tweede").click();
    h.run();
    h.get_by_label("Start de sessie").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Host { scenario: "b".into(), title: None, follows: None, min_group: None }));

    // In English the English deck is preselected.
    let mut h = harness(ViewState { lang: Lang::En, ..view }, Form::default());
    h.get_by_label("Start the session").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Host { scenario: "b".into(), title: None, follows: None, min_group: None }));
}

#[test]
fn english_start_screen_and_server_errors_as_sentences() {
    let view =
        ViewState { lang: Lang::En, error: Some("No session has this code; check the code on the screen.".into()), ..ViewState::default() };
    let h = harness(view, Form { start: StartForm { tab: StartTab::Join, ..Default::default() }, ..Form::default() });
    h.get_by_label("Join");
    h.get_by_label_contains("No session has this code");
}

#[test]
fn a_player_answers_and_sees_their_choice() {
    let mut view = in_session(Role::Player, Phase::Open, Some(0), Lang::Nl);
    view.mine.insert("a".into(), "eens".into());
    let mut h = harness(view, Form::default());
    h.get_by_label_contains("✔  Eens");
    h.get_by_label_contains("Je antwoord is opgeslagen");
    h.get_by_label("Oneens").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Answer { item: "a".into(), option: "oneens".into() }));
    assert!(h.query_by_label_contains("17").is_none(), "a player is not shown how many answered");
}

#[test]
fn closed_voting_disables_the_buttons() {
    let mut h = harness(in_session(Role::Player, Phase::Closed, Some(0), Lang::Nl), Form::default());
    let button = h.get_by_label("Oneens");
    assert!(button.accesskit_node().is_disabled());
    button.click();
    h.run();
    assert_eq!(h.state().action, None);
    h.get_by_label_contains("Stemmen is gesloten");
}

#[test]
fn results_show_percentages_with_the_own_choice_marked() {
    let mut view = in_session(Role::Player, Phase::Revealed, Some(0), Lang::Nl);
    view.mine.insert("a".into(), "oneens".into());
    view.tally =
        Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], [("eens", None), ("oneens", None)], protocol::MinGroup::LEAST));
    let h = harness(view, Form::default());
    h.get_by_label_contains("✔ Oneens");
    assert_eq!(h.get_all_by_label("50%").count(), 2);
}

#[test]
fn a_sketch_shows_the_private_role_only_to_its_player() {
    let mut view = in_session(Role::Player, Phase::Open, Some(2), Lang::Nl);
    view.role_card = Some(RoleCard { item: "s".into(), role: "Ambtenaar".into(), briefing: "Geheim voor de ambtenaar.".into() });
    let h = harness(view, Form::default());
    h.get_by_label_contains("Jouw rol: Ambtenaar");
    h.get_by_label("Geheim voor de ambtenaar.");
    h.get_by_label_contains("De ambtenaar beoordeelt ook de subsidie.");

    let audience = harness(in_session(Role::Player, Phase::Open, Some(2), Lang::Nl), Form::default());
    assert!(audience.query_by_label_contains("Geheim").is_none());
    audience.get_by_label_contains("Jij kijkt deze keer toe");
}

#[test]
fn during_the_scene_its_statement_waits_and_the_facilitator_can_open_it_early() {
    let h = harness(in_session(Role::Player, Phase::Scene, Some(2), Lang::Nl), Form::default());
    h.get_by_label_contains("De ambtenaar beoordeelt ook de subsidie.");
    h.get_by_label_contains("Onderdeel 3 van"); // the words of the phones, in the app too
    assert!(h.query_by_label_contains("Een collega moet beoordelen").is_none(), "the statement waits for the scene");
    assert!(h.query_by_label("Oneens").is_none(), "no answer buttons during the scene");
    let opened = harness(in_session(Role::Player, Phase::Open, Some(2), Lang::Nl), Form::default());
    opened.get_by_label_contains("Een collega moet beoordelen");
    opened.get_by_label("Oneens");
    // Opened early (no countdown ran out): the scene is over, so the room discusses it.
    opened.get_by_label("Bespreek samen");
    opened.get_by_label("• Wat zag je?");
    assert!(h.query_by_label("Bespreek samen").is_none(), "not during the scene");
    let mut f = harness(in_session(Role::Facilitator, Phase::Scene, Some(2), Lang::Nl), Form::default());
    f.get_by_label_contains("De scène");
    // This screen may be the projector: the statement waits for the scene here too.
    assert!(f.query_by_label_contains("Een collega moet beoordelen").is_none(), "the statement during the scene");
    f.get_by_label("De stelling na de scène verschijnt als de tijd om is.");
    f.get_by_label_contains("Onderdeel 3 van");
    // The facilitator's lobby, also of a deck of sketches, speaks of items, not statements.
    let lobby = harness(in_session(Role::Facilitator, Phase::Lobby, None, Lang::Nl), Form::default());
    lobby.get_by_label("Kies links een onderdeel om te beginnen.");
    f.get_by_label("Open de stelling nu").click();
    f.run();
    assert_eq!(f.state().action, Some(Action::Control { action: ControlAction::Open, item: Some("s".into()) }));
}

#[test]
fn the_projector_counts_down_and_never_shows_controls() {
    let mut view = in_session(Role::Watcher, Phase::Open, Some(2), Lang::Nl);
    view.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 25_000 });
    let h = harness(view, Form::default());
    h.get_by_label("0:25");
    assert!(h.query_by_label("Oneens").is_none() && h.query_by_label_contains("Toon de uitslag").is_none());
    assert!(h.query_by_label("Tijd is om").is_none());
}

#[test]
fn the_facilitator_sees_time_is_up_in_words_and_can_switch_the_chime_off() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(2), Lang::Nl);
    view.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 5_000 });
    let h = harness(view.clone(), Form { sound: true, ..Form::default() });
    h.get_by_label("nog even");
    view.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 0 });
    let mut h = harness(view, Form { sound: true, ..Form::default() });
    h.get_by_label("Tijd is om");
    h.get_by_label("Geluid als de tijd om is").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::Sound(false)));
    assert!(!h.state().form.sound);
}

#[test]
fn before_the_reveal_the_facilitator_sees_how_many_answered_and_a_result_only_in_a_private_preview() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    let answers = [("eens", None), ("oneens", None), ("eens", None)];
    view.tally = Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], answers, protocol::MinGroup::LEAST));
    view.session.as_mut().unwrap().answered = 3;
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label_contains("De uitslag blijft verborgen tot je hem toont");
    assert!(h.query_by_label_contains("67%").is_none(), "no percentages on a screen that may be the projector");
    h.get_by_label("Voorproefje van de uitslag, alleen voor mij").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::Preview(true)));
    view.session.as_mut().unwrap().preview = true;
    let h = harness(view.clone(), Form::default());
    h.get_by_label_contains("67%");
    assert!(h.query_by_label_contains("blijft verborgen").is_none());
    // A stricter room says from how many answers a result shows.
    view.session.as_mut().unwrap().min_group = protocol::MinGroup::new(5).unwrap();
    view.tally = Some(
        protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], answers, protocol::MinGroup::new(5).unwrap())
            .for_the_room(protocol::MinGroup::new(5).unwrap())
            .into_tally(),
    );
    let h = harness(view, Form::default());
    h.get_by_label_contains("pas vanaf 5 antwoorden");
}

#[test]
fn the_join_code_stays_on_one_line_in_the_lobby_at_1280_by_720() {
    let view = in_session(Role::Facilitator, Phase::Lobby, None, Lang::Nl);
    for percent in [100u16, 150] {
        let mut h = Harness::builder().with_size(egui::vec2(1280.0, 720.0)).build_ui_state(
            move |ui, st: &mut St| {
                ui::zoom::apply(ui.ctx(), percent);
                let _ = ui::draw(ui, st.screen, &st.view, &mut st.form, &st.report, Instant::now());
            },
            St { view: view.clone(), form: Form::default(), report: Default::default(), screen: ui::screen_for(&view), action: None },
        );
        h.run();
        h.run();
        let codes: Vec<_> = h.get_all_by_label("K7M2QX").collect();
        assert!(!codes.is_empty());
        for c in codes {
            let r = c.rect();
            // One line: not much taller than wide / six characters (a wrapped code is two lines high and narrow).
            assert!(r.height() < r.width() / 2.5, "at {percent}% the code is {r:?}: broken over lines");
        }
    }
}

#[test]
fn a_follow_up_says_what_it_follows_all_the_time_it_runs() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    let follows = protocol::FollowsView { title: "Samen werken".into(), date: "2026-08-29".into(), compared: 4, gone: false };
    view.session.as_mut().unwrap().follows = Some(follows.clone());
    let h = harness(view.clone(), Form::default());
    h.get_by_label("Vervolg op Samen werken van 2026-08-29");
    view.lang = Lang::En;
    view.session.as_mut().unwrap().follows = Some(protocol::FollowsView { gone: true, ..follows });
    let h = harness(view, Form::default());
    h.get_by_label("Follow-up of a session that is no longer kept");
    // A session that follows nothing says nothing of the kind.
    let h = harness(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), Form::default());
    assert!(h.query_by_label_contains("Vervolg op").is_none());
}

#[test]
fn the_facilitator_opens_reveals_and_reads_the_prompts() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    view.tally = Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], [("eens", None); 17], protocol::MinGroup::LEAST));
    let mut h = harness(view, Form::default());
    h.get_by_label("17 van 23 geantwoord");
    h.get_by_label("• Waarom?");
    h.get_by_label_contains("K7M2QX");
    h.get_by_label("Toon de uitslag  (R)").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Control { action: ControlAction::Reveal, item: None }));
    h.get_by_label_contains("Twee petten").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Control { action: ControlAction::Open, item: Some("s".into()) }));
    h.get_by_label("Volgende ▶  (N)").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Control { action: ControlAction::Open, item: Some("b".into()) }));
}

#[test]
fn one_primary_button_the_next_step_of_the_phase() {
    // The primary button is the tall one (52 points); the others are ordinary buttons.
    let tall = |h: &Harness<'static, St>, label: &str| h.get_by_label(label).rect().height() >= 50.0;
    let open = harness(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), Form::default());
    assert!(tall(&open, "Sluit het stemmen  (C)") && !tall(&open, "Toon de uitslag  (R)"), "open: closing is next");
    let closed = harness(in_session(Role::Facilitator, Phase::Closed, Some(0), Lang::Nl), Form::default());
    assert!(tall(&closed, "Toon de uitslag  (R)"), "closed: revealing is next");
    let scene = harness(in_session(Role::Facilitator, Phase::Scene, Some(2), Lang::Nl), Form::default());
    assert!(tall(&scene, "Start de timer  (T)") && !tall(&scene, "Open de stelling nu"));
    // After the scene, with its statement open: closing is next, the timer is an ordinary button.
    let after = harness(in_session(Role::Facilitator, Phase::Open, Some(2), Lang::Nl), Form::default());
    assert!(tall(&after, "Sluit het stemmen  (C)") && !tall(&after, "Start de timer  (T)"));
}

#[test]
fn the_end_offers_the_report_to_the_facilitator_only() {
    let mut h = harness(in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl), Form::default());
    h.get_by_label_contains("Bewaar het verslag").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::SaveReport));
    h.get_by_label("De sessie is afgelopen");
    assert!(h.query_by_label("Bedankt voor het meedoen!").is_none(), "the facilitator did not take part");
    // The operator's command is folded away: the facilitator reads a sentence.
    h.get_by_label_contains("Later nog nodig?");
    assert!(h.query_by_label_contains("session-server export").is_none(), "no command line on the facilitator's end screen");
    h.get_by_label("Voor de beheerder").click();
    h.run();
    h.get_by_label_contains("session-server export K7M2QX --format md");
    let player = harness(in_session(Role::Player, Phase::Ended, None, Lang::Nl), Form::default());
    player.get_by_label("Bedankt voor het meedoen!");
    assert!(player.query_by_label_contains("verslag").is_none());
}

#[test]
fn losing_the_connection_is_shown() {
    let mut view = in_session(Role::Player, Phase::Lobby, None, Lang::Nl);
    view.link = game_client::connection_thread::Link::Lost { attempt: 2, reason: "weg".into() };
    let h = harness(view, Form::default());
    h.get_by_label_contains("Verbinding verbroken, opnieuw verbinden…");
}

#[test]
fn the_start_screen_lists_the_decks_in_its_language_first_the_whole_game_on_top_and_then_the_decks_led_most() {
    let mut view = ViewState { server: "ws://x/ws".into(), ..ViewState::default() };
    // The server's order: by file name.
    view.scenarios = vec![
        summary("acteren-via-b", "Acteren via B", "nl", 7),
        summary("conversation-1", "Conversation 1", "en", 9),
        summary("gesprek-1", "Gesprek 1", "nl", 9),
        summary("samen-werken", "Samen werken aan de stad", "nl", 23),
        summary("working-together", "Working together", "en", 10),
    ];
    let order = |v: &ViewState| ui::start::decks_in_order(v).iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(order(&view), ["samen-werken", "gesprek-1", "acteren-via-b", "working-together", "conversation-1"]);
    let h = harness(view.clone(), Form::default());
    let top = h.get_by_label("Samen werken aan de stad   (23 items · nl)").rect().top();
    assert!(top < h.get_by_label("Acteren via B   (7 items · nl)").rect().top());
    assert!(h.get_by_label("In een andere taal").rect().top() < h.get_by_label("Working together   (10 items · en)").rect().top());
    // The deck this facilitator leads most goes on top of its language.
    let led = |code: &str| game_client::settings::LedSession {
        server: "ws://x/ws".into(),
        code: code.into(),
        token: "t".into(),
        title: "t".into(),
        date: "2026-08-29".into(),
        scenario: "acteren-via-b".into(),
    };
    view.led = vec![led("AAAAAA"), led("BBBBBB")];
    assert_eq!(order(&view)[0], "acteren-via-b");
    // Sessions led on another server do not count here.
    for l in &mut view.led {
        l.server = "ws://elders/ws".into();
    }
    assert_eq!(order(&view)[0], "samen-werken");
    view.led[0].server = "ws://x/ws".into();
    view.lang = Lang::En;
    assert_eq!(order(&view)[..2], ["working-together", "conversation-1"], "an English app lists English decks first");
    view.lang = Lang::Nl;
    assert_eq!(order(&view)[0], "acteren-via-b", "one session led here still counts");
}

#[test]
fn the_deck_list_marks_what_was_played() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(1), Lang::Nl);
    view.session.as_mut().unwrap().items.as_mut().unwrap()[0].played = true;
    view.session.as_mut().unwrap().items.as_mut().unwrap()[1].played = true;
    let h = harness(view, Form::default());
    h.get_by_label_contains("1. 💬 Bewoners mogen het groen zelf beheren.  ✔ gespeeld");
    let second = h.get_by_label_contains("2. 💬");
    assert!(!second.accesskit_node().label().unwrap_or_default().contains("gespeeld"), "the item being played now is not marked");
}

#[test]
fn the_header_says_what_the_room_sees_after_the_reveal() {
    let opts = ["eens", "oneens", "hangt_af"];
    let k = protocol::MinGroup::LEAST;
    let mut view = in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl);
    view.tally = Some(protocol::tally::tally("a", &opts, [("eens", None), ("oneens", None)], k).for_the_room(k).into_tally());
    harness(view.clone(), Form::default()).get_by_label_contains("De zaal ziet: te weinig antwoorden om te tonen");
    let mut t = protocol::tally::tally("a", &opts, [("eens", None); 4], k);
    t.held_back = 1;
    view.tally = Some(t);
    harness(view.clone(), Form::default()).get_by_label_contains("De zaal ziet de uitslag van de vorige keer");
    view.tally = Some(protocol::tally::tally("a", &opts, [("eens", None); 4], k));
    let h = harness(view, Form::default());
    h.get_by_label_contains("Uitslag zichtbaar voor iedereen");
}

#[test]
fn without_a_connection_the_controls_are_greyed_out_and_keys_do_nothing() {
    let lost = game_client::connection_thread::Link::Lost { attempt: 1, reason: "weg".into() };
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    view.link = lost.clone();
    let mut h = harness(view, Form::default());
    h.get_by_label_contains("Tot dan doen de knoppen niets");
    let close = h.get_by_label("Sluit het stemmen  (C)");
    assert!(close.accesskit_node().is_disabled(), "a control that cannot be sent is greyed out");
    close.click();
    h.run();
    assert_eq!(h.state_mut().action.take(), None);
    assert_eq!(press(&mut h, egui::Modifiers::NONE, egui::Key::C), None, "a key is not taken either");
    let mut view = in_session(Role::Player, Phase::Open, Some(0), Lang::Nl);
    view.link = lost;
    let h = harness(view, Form::default());
    assert!(h.get_by_label("Eens").accesskit_node().is_disabled(), "no answer can be sent");
}

#[test]
fn the_follow_up_waits_until_the_scene_has_been_played() {
    let mut view = in_session(Role::Player, Phase::Open, Some(2), Lang::Nl);
    view.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 20_000 });
    let playing = harness(view.clone(), Form::default());
    assert!(playing.query_by_label("Eens").is_none(), "no answering while the scene is played");
    assert!(playing.query_by_label_contains("Wat zag je?").is_none());
    view.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 0 });
    let after = harness(view, Form::default());
    after.get_by_label("Tijd is om");
    after.get_by_label("Eens");
    after.get_by_label("• Wat zag je?");
    after.get_by_label("Een collega moet beoordelen.");
}

#[test]
fn the_start_screen_offers_the_session_from_an_earlier_run() {
    let last = game_client::settings::LastSession {
        server: "ws://x/ws".into(),
        code: "K7M2QX".into(),
        token: "t0k3n".into(),
        role: Role::Facilitator,
    };
    let view = ViewState { server: "ws://x/ws".into(), resumable: Some(last), ..ViewState::default() };
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label_contains("Je was in sessie K7M2QX als facilitator");
    h.get_by_label("Ga verder met die sessie").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Resume { code: "K7M2QX".into(), token: "t0k3n".into() }));
    // Not offered for another server.
    let elsewhere = harness(ViewState { server: "ws://y/ws".into(), ..view }, Form::default());
    assert!(elsewhere.query_by_label("Ga verder met die sessie").is_none());
}

#[test]
fn a_session_opened_elsewhere_says_so_and_offers_to_go_on_here() {
    let mut view = in_session(Role::Player, Phase::Open, Some(0), Lang::Nl);
    view.link = game_client::connection_thread::Link::Closed(game_client::connection_thread::Final::OpenedElsewhere);
    let mut h = harness(view, Form::default());
    h.get_by_label("Je speelt nu op een ander apparaat verder");
    assert!(h.query_by_label("Oneens").is_none(), "the session's buttons are gone while closed");
    h.get_by_label("Hier verder spelen").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::TakeOver));
}

#[test]
fn another_protocol_version_says_to_update_and_offers_no_retry() {
    let view = ViewState {
        lang: Lang::En,
        link: game_client::connection_thread::Link::Closed(game_client::connection_thread::Final::ProtocolMismatch),
        ..ViewState::default()
    };
    let mut h = harness(view, Form::default());
    h.get_by_label_contains("Update the app");
    assert!(h.query_by_label("Go on here").is_none());
    h.get_by_label("Back to the start").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Leave));
}

#[test]
fn a_result_of_one_or_two_people_is_not_shown() {
    let mut view = in_session(Role::Player, Phase::Revealed, Some(0), Lang::Nl);
    view.tally = Some(
        protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], [("eens", None), ("oneens", None)], protocol::MinGroup::LEAST)
            .for_the_room(protocol::MinGroup::LEAST)
            .into_tally(),
    );
    let h = harness(view, Form::default());
    h.get_by_label_contains("te weinig om te tonen");
    assert!(h.query_by_label_contains("%").is_none(), "no percentages");
}

/// Presses `key` (with `modifiers`) and returns the action it gave, clearing it for the next press.
fn press(h: &mut Harness<'static, St>, modifiers: egui::Modifiers, key: egui::Key) -> Option<Action> {
    h.state_mut().action = None;
    h.key_press_modifiers(modifiers, key);
    h.run();
    h.state_mut().action.take()
}

#[test]
fn ending_the_session_is_asked_once_and_going_on_changes_nothing() {
    let mut h = harness(in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl), Form::default());
    h.get_by_label("Beëindig de sessie  (Shift+E)").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), None, "one click does not end the session");
    h.get_by_label("Sessie beëindigen?");
    h.get_by_label_contains("Deelnemers kunnen daarna niet meer antwoorden.");
    h.get_by_label("Doorgaan").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), None);
    assert!(h.query_by_label("Sessie beëindigen?").is_none(), "back to the session");
    assert!(!h.state().form.lead.confirm_end);
}

#[test]
fn the_facilitator_leads_with_the_keyboard_by_the_phase_rules() {
    let none = egui::Modifiers::NONE;
    let control = |action| Some(Action::Control { action, item: None });
    let mut h = harness(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), Form::default());
    h.get_by_label("Sluit het stemmen  (C)");
    assert_eq!(press(&mut h, none, egui::Key::C), control(ControlAction::Close));
    assert_eq!(press(&mut h, none, egui::Key::R), control(ControlAction::Reveal));
    assert_eq!(press(&mut h, none, egui::Key::N), Some(Action::Control { action: ControlAction::Open, item: Some("b".into()) }));
    assert_eq!(press(&mut h, none, egui::Key::T), None, "a dilemma has no timer");
    assert_eq!(press(&mut h, none, egui::Key::E), None, "ending needs Shift");
    // Shift+E asks first; ending happens only on "Beëindigen".
    assert_eq!(press(&mut h, egui::Modifiers::SHIFT, egui::Key::E), None, "ending is asked once more");
    h.get_by_label("Sessie beëindigen?");
    h.get_by_label("Beëindigen").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), control(ControlAction::End));
    assert!(h.query_by_label("Sessie beëindigen?").is_none(), "the question is gone");
    // Revealed: closing and revealing again are not allowed, so the keys do nothing.
    let mut h = harness(in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl), Form::default());
    assert_eq!(press(&mut h, none, egui::Key::C), None);
    assert_eq!(press(&mut h, none, egui::Key::R), None);
    // In the lobby N opens the first item.
    let mut h = harness(in_session(Role::Facilitator, Phase::Lobby, None, Lang::Nl), Form::default());
    assert_eq!(press(&mut h, none, egui::Key::N), Some(Action::Control { action: ControlAction::Open, item: Some("a".into()) }));
}

#[test]
fn a_player_answers_with_number_keys_only_while_voting_is_open() {
    let none = egui::Modifiers::NONE;
    let mut h = harness(in_session(Role::Player, Phase::Open, Some(0), Lang::Nl), Form::default());
    assert_eq!(press(&mut h, none, egui::Key::Num2), Some(Action::Answer { item: "a".into(), option: "oneens".into() }));
    assert_eq!(press(&mut h, none, egui::Key::Num9), None, "no ninth option");
    let mut h = harness(in_session(Role::Player, Phase::Closed, Some(0), Lang::Nl), Form::default());
    assert_eq!(press(&mut h, none, egui::Key::Num1), None);
    let mut h = harness(in_session(Role::Watcher, Phase::Open, Some(0), Lang::Nl), Form::default());
    assert_eq!(press(&mut h, none, egui::Key::Num1), None, "a projector does not answer");
}

#[test]
fn text_size_keys_step_between_75_and_200_percent() {
    let mut h = Harness::builder().build_ui_state(
        |ui, size: &mut u16| {
            if let Some(s) = ui::zoom::from_keys(ui.ctx(), *size) {
                *size = s;
            }
        },
        ui::zoom::DEFAULT,
    );
    let mut press = |key| {
        h.key_press_modifiers(egui::Modifiers::COMMAND, key);
        h.run();
        *h.state()
    };
    let up: Vec<u16> = (0..5).map(|_| press(egui::Key::Plus)).collect();
    assert_eq!(up, [125, 150, 175, 200, 200]);
    assert_eq!(press(egui::Key::Num0), 100);
    let down: Vec<u16> = (0..3).map(|_| press(egui::Key::Minus)).collect();
    assert_eq!(down, [90, 75, 75]);
}

/// Every button of the screen lies inside the window at `percent` text size in the app's theme
/// (nothing cut off at the side).
fn buttons_fit(view: ViewState, percent: u16, high_contrast: bool) {
    buttons_fit_with(view, Form::default(), percent, high_contrast);
}

fn buttons_fit_with(view: ViewState, form: Form, percent: u16, high_contrast: bool) {
    let width = 1280.0;
    let screen = ui::screen_for(&view);
    let mut h = Harness::builder().with_size(egui::vec2(width, 720.0)).build_ui_state(
        move |ui, st: &mut St| {
            ui::theme::apply(ui.ctx(), high_contrast);
            ui::zoom::apply(ui.ctx(), percent);
            let _ = ui::draw(ui, st.screen, &st.view, &mut st.form, &st.report, Instant::now());
        },
        St { view, form, report: Default::default(), screen, action: None },
    );
    h.run();
    h.run();
    let logical = width / (f32::from(percent) / 100.0);
    let buttons: Vec<_> = h.get_all_by_role(egui::accesskit::Role::Button).collect();
    assert!(!buttons.is_empty());
    for b in buttons {
        let r = b.rect();
        assert!(r.min.x >= -1.0 && r.max.x <= logical + 1.0, "{screen:?} at {percent}%: a button is cut off at {r:?} (window {logical})");
    }
    // The statement keeps room to be read: side panels give way at large sizes.
    if let Some(statement) = h.query_by_label("Bewoners mogen het groen zelf beheren.") {
        let r = statement.rect();
        assert!(
            r.width() >= (logical * 0.4).min(300.0) || r.height() < 80.0,
            "{screen:?} at {percent}%: the statement is squeezed into {r:?}"
        );
        assert!(r.min.x >= -1.0 && r.max.x <= logical + 1.0, "{screen:?} at {percent}%: the statement runs off at {r:?}");
    }
}

#[test]
fn every_screen_keeps_its_buttons_inside_the_window_from_75_to_200_percent() {
    for (percent, high) in ui::zoom::STEPS.into_iter().flat_map(|p| [(p, false), (p, true)]) {
        buttons_fit(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), percent, high);
        buttons_fit(in_session(Role::Player, Phase::Open, Some(0), Lang::Nl), percent, high);
        buttons_fit(in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl), percent, high);
        buttons_fit(ViewState::default(), percent, high);
        // The Decks tab, and the deck editor with a statement and with a sketch selected.
        let (view, mut form) = editing();
        buttons_fit_with(view.clone(), Form { edit: EditForm { editor: None, ..form.edit.clone() }, ..form.clone() }, percent, high);
        buttons_fit_with(view.clone(), form.clone(), percent, high);
        let ed = form.edit.editor.as_mut().unwrap();
        ed.selected = Some(ed.file.add_item("sketch"));
        buttons_fit_with(view, form, percent, high);
    }
}

#[test]
fn tab_moves_the_focus_from_button_to_button_and_enter_presses_it() {
    let mut h = harness(in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl), Form::default());
    h.run();
    let none = egui::Modifiers::NONE;
    assert_eq!(press(&mut h, none, egui::Key::Enter), None, "nothing has the focus yet");
    assert_eq!(press(&mut h, none, egui::Key::Tab), None);
    assert_eq!(press(&mut h, none, egui::Key::Enter), Some(Action::SaveReport), "the first button, by keyboard alone");
    assert_eq!(press(&mut h, none, egui::Key::Tab), None, "on to the note for whoever runs the server, folded");
    assert_eq!(press(&mut h, none, egui::Key::Tab), None);
    assert_eq!(press(&mut h, none, egui::Key::Space), Some(Action::Leave), "the next button, with Space");
}

#[test]
fn high_contrast_is_switched_on_the_start_screen_and_shows_as_checked() {
    let mut h = harness(ViewState::default(), Form::default());
    h.get_by_label("Hoog contrast (Ctrl H)").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::HighContrast(true)));
    // With the theme on, the box is checked and clicking it switches it off.
    let mut h = harness(ViewState::default(), Form::default());
    ui::theme::apply(&h.ctx, true);
    // The larger type moves the bottom row; let the layout settle before clicking.
    h.run();
    h.run();
    assert_eq!(ui::theme::palette(&h.ctx), ui::theme::high_contrast());
    let toggle = h.get_by_label("Hoog contrast (Ctrl H)");
    assert_eq!(toggle.accesskit_node().toggled(), Some(egui::accesskit::Toggled::True));
    toggle.click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::HighContrast(false)));
}

/// The revealed tally of item `a` in a follow-up: now 25/50/25, then 67/33/0 on 29 August.
fn then_and_now() -> protocol::Tally {
    let opts = ["eens", "oneens", "hangt_af"];
    let then = protocol::tally::tally("a", &opts, [("eens", None), ("eens", None), ("oneens", None)], protocol::MinGroup::LEAST);
    let then = protocol::EarlierTally::from_tally(then, "2026-08-29".into(), protocol::MinGroup::LEAST);
    protocol::tally::tally("a", &opts, [("eens", None), ("oneens", None), ("oneens", None), ("hangt_af", None)], protocol::MinGroup::LEAST)
        .with_earlier(Some(&then), protocol::MinGroup::LEAST)
}

#[test]
fn a_follow_up_shows_then_beside_now_with_the_shift_in_words() {
    for role in [Role::Player, Role::Watcher, Role::Facilitator] {
        let mut view = in_session(role, Phase::Revealed, Some(0), Lang::Nl);
        view.tally = Some(then_and_now());
        let h = harness(view, Form::default());
        h.get_by_label("Nu, en eronder toen (29-08-2026, 3 antwoorden)");
        h.get_by_label("toen 67%  −42 punten");
        h.get_by_label("toen 33%  +17 punten");
        h.get_by_label("toen 0%  +25 punten");
        assert_eq!(h.get_all_by_label("25%").count(), 2, "eens and hangt ervan af now");
    }
    let mut view = in_session(Role::Watcher, Phase::Revealed, Some(0), Lang::En);
    view.tally = Some(then_and_now());
    let h = harness(view, Form::default());
    h.get_by_label("then 67%  −42 points");
}

#[test]
fn the_host_tab_offers_to_follow_a_session_this_client_led_on_this_server() {
    let led = |server: &str, code: &str| game_client::settings::LedSession {
        server: server.into(),
        code: code.into(),
        token: format!("token-{code}"),
        title: "Team Wijken".into(),
        date: "2026-08-29".into(),
        scenario: String::new(),
    };
    let mut view = ViewState { server: "ws://x/ws".into(), ..ViewState::default() };
    view.scenarios = vec![summary("test", "Testdeck", "nl", 4)];
    view.led = vec![led("ws://x/ws", "AAAAAA"), led("ws://elsewhere/ws", "BBBBBB")];
    let mut h = harness(view, Form::default());
    h.get_by_label("Start de sessie").click();
    h.run();
    assert_eq!(
        h.state_mut().action.take(),
        Some(Action::Host { scenario: "test".into(), title: None, follows: None, min_group: None }),
        "none by default"
    );
    h.get_by_role(egui::accesskit::Role::ComboBox).click();
    h.run();
    assert!(h.query_by_label_contains("BBBBBB").is_none(), "a session on another server cannot be followed here");
    h.get_by_label("Team Wijken — 29-08-2026 (AAAAAA)").click();
    h.run();
    h.get_by_label_contains("De uitslag van toen komt naast die van nu");
    h.get_by_label("Start de sessie").click();
    h.run();
    let follows = Some(protocol::FollowUp { code: "AAAAAA".into(), token: "token-AAAAAA".into() });
    assert_eq!(h.state_mut().action.take(), Some(Action::Host { scenario: "test".into(), title: None, follows, min_group: None }));
}

#[test]
fn start_de_sessie_stays_in_view_and_clickable_at_every_window_and_text_size_with_a_follow_up_and_many_decks() {
    let mut view = ViewState { server: "ws://x/ws".into(), ..ViewState::default() };
    view.scenarios = (0..30)
        .map(|i| ScenarioSummary {
            id: format!("deck-{i}"),
            title: format!("Deck {i}"),
            language: "nl".into(),
            items: 12,
            sketches: 0,
            description: "Over samenwerken in de wijk.".into(),
            themes: vec![],
        })
        .collect();
    view.led = vec![game_client::settings::LedSession {
        server: "ws://x/ws".into(),
        code: "AAAAAA".into(),
        token: "token-AAAAAA".into(),
        title: "Team Wijken".into(),
        date: "2026-08-29".into(),
        scenario: String::new(),
    }];
    let form = Form { start: StartForm { follows: Some("AAAAAA".into()), min_group: 3, ..Default::default() }, ..Form::default() };
    for (width, height) in [(1280.0, 720.0), (1366.0, 768.0), (1600.0, 900.0)] {
        for (percent, high) in ui::zoom::STEPS.into_iter().flat_map(|p| [(p, false), (p, true)]) {
            let mut h = Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(
                move |ui, st: &mut St| {
                    ui::theme::apply(ui.ctx(), high);
                    ui::zoom::apply(ui.ctx(), percent);
                    if let Some(a) = ui::draw(ui, st.screen, &st.view, &mut st.form, &st.report, Instant::now()) {
                        st.action = Some(a);
                    }
                },
                St { view: view.clone(), form: form.clone(), report: Default::default(), screen: Screen::Connect, action: None },
            );
            h.run();
            h.run();
            let scale = f32::from(percent) / 100.0;
            let (w, hgt) = (width / scale, height / scale);
            let r = h.get_by_label("Start de sessie").rect();
            assert!(
                r.min.x >= -1.0 && r.max.x <= w + 1.0 && r.min.y >= -1.0 && r.max.y <= hgt + 1.0,
                "{width}×{height} at {percent}%: 'Start de sessie' at {r:?} is not inside the window ({w}×{hgt})"
            );
            h.get_by_label("Start de sessie").click();
            h.run();
            let follows = Some(protocol::FollowUp { code: "AAAAAA".into(), token: "token-AAAAAA".into() });
            assert_eq!(
                h.state_mut().action.take(),
                Some(Action::Host { scenario: "deck-0".into(), title: None, follows, min_group: None }),
                "{width}×{height} at {percent}%: the mouse starts the follow-up"
            );
        }
    }
}

#[test]
fn the_start_screen_says_it_uses_the_server_of_last_time_and_offers_the_session_led_there() {
    let server = "ws://10.0.0.2:7878/ws";
    let mut view = ViewState { server: server.into(), remembered_server: true, ..ViewState::default() };
    view.scenarios = vec![summary("test", "Testdeck", "nl", 4)];
    view.resumable = Some(game_client::settings::LastSession {
        server: server.into(),
        code: "K7M2QX".into(),
        token: "t".into(),
        role: Role::Facilitator,
    });
    let mut h = harness(view, Form::default());
    h.get_by_label_contains("Je werkt met de server van de vorige keer: ws://10.0.0.2:7878/ws");
    h.get_by_label("Ga verder met die sessie");
    h.get_by_label("Host op deze laptop").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::HostHere));
    let h = harness(ViewState { server: "ws://127.0.0.1:7878/ws".into(), ..ViewState::default() }, Form::default());
    assert!(h.query_by_label("Host op deze laptop").is_none(), "hosting here already");
}

#[test]
fn after_saving_the_series_report_the_sessions_own_report_is_still_on_offer() {
    let mut view = in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl);
    view.session.as_mut().unwrap().follows =
        Some(protocol::FollowsView { title: "Eerste".into(), date: "2026-08-29".into(), compared: 4, gone: false });
    let mut h = harness(view, Form::default());
    h.state_mut().report = game_client::report::ReportStatus {
        code: Some("K7M2QX".into()),
        saving: false,
        saved: Some("/tmp/verslagen/reeks-K7M2QX.md".into()),
    };
    h.run();
    h.get_by_label("/tmp/verslagen/reeks-K7M2QX.md");
    h.get_by_label("Bewaar het verslag (Markdown en CSV)").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::SaveReport));
    h.get_by_label("Bewaar het verslag van de hele reeks (per thema, met grafieken)").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::SaveSeriesReport));
}

#[test]
fn the_facilitator_records_an_agreement_about_the_statement_on_screen_or_about_none() {
    let mut view = in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl);
    view.agreements = vec![protocol::AgreementView { number: 1, text: "We bellen eerst.".into(), item: Some("a".into()), themes: vec![] }];
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label("1. We bellen eerst.");
    h.get_by_label("×").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::DropAgreement(1)));
    h.get_by_role(egui::accesskit::Role::MultilineTextInput).click();
    h.run();
    h.get_by_role(egui::accesskit::Role::MultilineTextInput).type_text("Elke maand koffie.");
    h.run();
    assert_eq!(h.state().form.lead.agreement, "Elke maand koffie.");
    h.get_by_label("Leg de afspraak vast").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::Agreement { text: "Elke maand koffie.".into(), item: Some("a".into()) }));
    assert!(h.state().form.lead.agreement.is_empty(), "the field is emptied for the next one");
    let mut h = harness(
        view.clone(),
        Form {
            lead: LeadForm { agreement: "Los van de stelling.".into(), agreement_loose: true, ..Default::default() },
            ..Form::default()
        },
    );
    h.get_by_label("Leg de afspraak vast").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::Agreement { text: "Los van de stelling.".into(), item: None }));

    // The end screen lists them, for the facilitator and on the projector.
    for role in [Role::Facilitator, Role::Watcher] {
        let mut ended = in_session(role, Phase::Ended, None, Lang::Nl);
        ended.agreements = view.agreements.clone();
        let h = harness(ended, Form::default());
        h.get_by_label("Jullie afspraken");
        h.get_by_label("1. We bellen eerst.");
    }
}

#[test]
fn the_end_of_a_follow_up_lists_what_moved_most() {
    let mut view = in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl);
    let item = view.item().unwrap().clone();
    view.apply(
        game_client::connection_thread::NetEvent::Msg(protocol::ServerMsg::Tally(then_and_now().for_the_room(protocol::MinGroup::LEAST))),
        Instant::now(),
    );
    assert_eq!(view.largest_shifts(3), [("Bewoners mogen het groen zelf beheren.".to_owned(), "Eens".to_owned(), -42)]);
    view.session.as_mut().unwrap().phase = Phase::Ended;
    view.session.as_mut().unwrap().item = None;
    let h = harness(view, Form::default());
    h.get_by_label("Wat het meest verschoof sinds toen");
    h.get_by_label(&format!("{} — Eens: −42 punten", item.statement.unwrap()));
}

#[test]
fn an_open_question_shows_no_answers_to_choose_and_no_result_to_reveal() {
    let deck = parse_deck("q.toml", "id = \"q\"\ntitle = \"Q\"\nlanguage = \"nl\"\n[[item]]\nid = \"energie\"\nkind = \"question\"\nquestion = \"Waar krijg je energie van?\"\nprompts = [\"Noem een moment.\"]\n").unwrap();
    for role in [Role::Player, Role::Watcher, Role::Facilitator] {
        let mut view = in_session(role, Phase::Open, Some(0), Lang::Nl);
        let session = view.session.as_mut().unwrap();
        session.item = Some(deck.items[0].view(role == Role::Facilitator));
        session.items = (role == Role::Facilitator).then(|| vec![deck.items[0].view(true)]);
        let mut h = harness(view, Form::default());
        h.get_by_label("Waar krijg je energie van?");
        assert!(h.query_by_label_contains("Eens").is_none());
        assert!(h.query_by_label_contains("Toon de uitslag").is_none() && h.query_by_label_contains("Sluit het stemmen").is_none());
        if role == Role::Facilitator {
            h.get_by_label("• Noem een moment.");
            assert_eq!(press(&mut h, egui::Modifiers::NONE, egui::Key::R), None, "R reveals nothing");
        } else {
            h.get_by_label("Een open vraag: bespreek hem samen. Er valt niets te kiezen.");
            assert_eq!(press(&mut h, egui::Modifiers::NONE, egui::Key::Num1), None);
        }
    }
}

#[test]
fn the_end_of_a_follow_up_offers_the_report_of_the_whole_series() {
    let mut view = in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl);
    let h = harness(view.clone(), Form::default());
    assert!(h.query_by_label_contains("hele reeks").is_none(), "not for a session that follows nothing");
    view.session.as_mut().unwrap().follows =
        Some(protocol::FollowsView { title: "Eerste gesprek".into(), date: "2026-08-29".into(), compared: 3, gone: false });
    let mut h = harness(view, Form::default());
    h.get_by_label("Bewaar het verslag van de hele reeks (per thema, met grafieken)").click();
    h.run();
    assert_eq!(h.state_mut().action.take(), Some(Action::SaveSeriesReport));
}

#[test]
fn the_prompts_that_fit_the_result_come_first_and_say_why() {
    let src = "id = \"t\"\ntitle = \"T\"\nlanguage = \"nl\"\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatement = \"S\"\nprompts = [\"Wat valt op?\", { text = \"Wat maakt dat jullie verdeeld zijn?\", fits = [\"split\"] }, { text = \"Waar zijn jullie het zo over eens?\", fits = \"consensus\" }]\n";
    let deck = parse_deck("t.toml", src).unwrap();
    let mut view = in_session(Role::Facilitator, Phase::Revealed, Some(0), Lang::Nl);
    let session = view.session.as_mut().unwrap();
    session.item = Some(deck.items[0].view(true));
    let answers = [("eens", None); 9].into_iter().chain([("oneens", None); 8]).chain([("hangt_af", None); 3]);
    view.tally = Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], answers, protocol::MinGroup::LEAST));
    let h = harness(view.clone(), Form::default());
    let fitting = h.get_by_label("★ Wat maakt dat jullie verdeeld zijn?").rect();
    h.get_by_label("past bij de uitslag — verdeeld: 45 / 40 / 15");
    let first = h.get_by_label("• Wat valt op?").rect();
    assert!(fitting.top() < first.top(), "the fitting prompt is above the deck's first");
    // Written for a consensus, which this is not: after the rest, set apart and saying what it is for.
    let apart = h.get_by_label("Voor een andere uitslag").rect();
    let other = h.get_by_label("– Waar zijn jullie het zo over eens? (eensgezind)").rect();
    assert!(first.top() < apart.top() && apart.top() < other.top(), "set apart after the others");
    assert!(h.query_by_label("• Waar zijn jullie het zo over eens?").is_none(), "not an ordinary bullet");
    // Before anyone answered, the deck's order and no stars.
    view.tally = None;
    let h = harness(view, Form::default());
    assert!(h.get_by_label("• Wat valt op?").rect().top() < h.get_by_label("• Wat maakt dat jullie verdeeld zijn?").rect().top());
    assert!(h.query_by_label_contains("★").is_none());
}

#[test]
fn a_new_item_shows_its_prompts_from_the_top_whatever_was_scrolled_before() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    // One long word: it is broken at the panel's width, so its lines fill that width exactly.
    let long = "samenwerkingsafspraak".repeat(12);
    view.agreements = (1..=30)
        .map(|n| protocol::AgreementView { number: n, text: format!("Afspraak nummer {n} {long}."), item: None, themes: vec![] })
        .collect();
    let mut h = harness(view, Form::default());
    h.run();
    let heading = |h: &Harness<'static, St>| h.get_by_label("Vragen voor het gesprek").rect().top();
    let top = heading(&h);
    // Scroll the conversation panel (right of the window) well down.
    h.event(egui::Event::PointerMoved(egui::pos2(1500.0, 500.0)));
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -600.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
        });
        h.run();
    }
    assert!(heading(&h) < top - 100.0, "the panel scrolled ({} → {})", top, heading(&h));
    // The next item: its prompts start at the top again.
    let deck = deck();
    let session = h.state_mut().view.session.as_mut().unwrap();
    session.index = Some(1);
    session.item = Some(deck.items[1].view(true));
    h.run();
    h.run();
    assert!((heading(&h) - top).abs() < 1.0, "the new item's prompts are at the top ({} vs {top})", heading(&h));
    h.get_by_label("• Wanneer niet?");
    // Nothing of the text lies under the scrollbar: it has room of its own at the window's edge.
    let solid = egui::style::ScrollStyle::solid();
    let bar = solid.bar_width + solid.bar_inner_margin + solid.bar_outer_margin;
    for n in [1, 2, 3] {
        let r = h.get_by_label(&format!("{n}. Afspraak nummer {n} {long}.")).rect();
        // The window's edge, less the panel's margin (8) and the bar.
        assert!(r.max.x <= 1600.0 - 8.0 - bar, "agreement {n} at {r:?} runs under the scrollbar ({bar} wide)");
    }
}

/// The first item of the test deck, asking for a guess and a reason.
fn asking(role: Role, phase: Phase) -> ViewState {
    let mut view = in_session(role, phase, Some(0), Lang::Nl);
    for item in view.session.as_mut().unwrap().item.iter_mut() {
        (item.predict, item.reasons) = (true, true);
    }
    view
}

#[test]
fn after_answering_a_player_guesses_the_room_and_gives_a_reason() {
    let h = harness(asking(Role::Player, Phase::Open), Form::default());
    assert!(h.query_by_label_contains("Wat denk je").is_none(), "first the answer");
    let mut view = asking(Role::Player, Phase::Open);
    view.mine.insert("a".into(), "oneens".into());
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label("Wat denk je: hoeveel procent van de zaal koos 'Eens'?");
    h.get_by_label("Geef je schatting").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Predict { item: "a".into(), percent: 50 }));
    assert!(h.get_by_label("Geef je reden").accesskit_node().is_disabled(), "nothing typed yet");
    h.get_by_role(egui::accesskit::Role::TextInput).click();
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput).type_text("Omdat het kan.");
    h.run();
    assert_eq!(h.state().form.play.reason, "Omdat het kan.");
    h.get_by_label("Geef je reden").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Reason { item: "a".into(), text: Some("Omdat het kan.".into()) }));
    assert!(h.state().form.play.reason.is_empty(), "the field empties once sent");
    // Stored: it says so, and the reason can be withdrawn.
    view.guesses.insert("a".into(), 30);
    view.reasons.insert("a".into(), "Omdat het kan.".into());
    let mut h = harness(view, Form::default());
    h.get_by_label_contains("Je schatting (30%) is opgeslagen");
    h.get_by_label("Je reden: “Omdat het kan.”");
    assert!(h.get_by_label("Wijzig je schatting").accesskit_node().is_disabled(), "unchanged");
    h.get_by_label("Haal je reden weg").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Reason { item: "a".into(), text: None }));
}

#[test]
fn after_the_reveal_the_rooms_guess_stands_beside_the_result_and_a_reason_can_be_on_screen() {
    let mut view = asking(Role::Watcher, Phase::Revealed);
    let mut t = protocol::tally::tally(
        "a",
        &["eens", "oneens", "hangt_af"],
        [("eens", None), ("eens", None), ("oneens", None), ("hangt_af", None), ("eens", None)],
        protocol::MinGroup::LEAST,
    );
    t.prediction = Some(protocol::Prediction { option: "eens".into(), average: 30, guesses: 4 });
    view.tally = Some(t);
    view.shown = Some(protocol::ShownReason { item: "a".into(), option: "oneens".into(), text: "Wie beheert het dan?".into() });
    let h = harness(view, Form::default());
    h.get_by_label("We dachten: 30% eens. Het werd 60%.");
    h.get_by_label("“Wie beheert het dan?”");
    h.get_by_label("— een reden bij 'Oneens'");
}

#[test]
fn the_facilitator_switches_guessing_and_reasons_and_puts_a_reason_on_screen_once_voting_closed() {
    let mut view = in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl);
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label("Vraag om een reden (anoniem)").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::Ask { item: "a".into(), predict: false, reasons: true }));

    let group = |option: &str, texts: &[&str]| protocol::ReasonGroup {
        option: option.into(),
        reasons: texts.iter().enumerate().map(|(i, t)| protocol::ReasonView { id: format!("{option}{i}"), text: (*t).into() }).collect(),
        more: 0,
    };
    view.session.as_mut().unwrap().item.as_mut().unwrap().reasons = true;
    view.room_reasons = Some(("a".into(), vec![group("eens", &["Het is hun buurt."]), group("oneens", &["Wie beheert het dan?"])], 0));
    let h = harness(view.clone(), Form::default());
    h.get_by_label("“Het is hun buurt.”");
    assert!(h.get_all_by_label("Op het scherm").all(|b| b.accesskit_node().is_disabled()), "not while voting is open");
    view.session.as_mut().unwrap().phase = Phase::Closed;
    let mut h = harness(view.clone(), Form::default());
    h.get_all_by_label("Op het scherm").nth(1).unwrap().click();
    h.run();
    assert_eq!(h.state().action, Some(Action::ShowReason(Some("oneens0".into()))));
    view.shown = Some(protocol::ShownReason { item: "a".into(), option: "oneens".into(), text: "Wie beheert het dan?".into() });
    let mut h = harness(view.clone(), Form::default());
    h.get_by_label("Van het scherm").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::ShowReason(None)));
    view.room_reasons = Some(("a".into(), Vec::new(), 2));
    let h = harness(view, Form::default());
    h.get_by_label_contains("2 reden(en); te tonen vanaf 3 antwoorden");
}

#[test]
fn the_facilitator_adds_a_statement_from_the_room_and_saves_them_as_a_deck_at_the_end() {
    let mut h = harness(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), Form::default());
    h.get_by_label_contains("Stelling uit de zaal").click();
    h.run();
    assert!(h.get_by_label("Voeg toe aan de lijst").accesskit_node().is_disabled(), "nothing typed yet");
    // The statement's field is the first of its kind (the agreement's is in the right-hand panel).
    h.get_all_by_role(egui::accesskit::Role::MultilineTextInput).next().unwrap().click();
    h.run();
    h.get_all_by_role(egui::accesskit::Role::MultilineTextInput).next().unwrap().type_text("Bellen werkt beter.");
    h.run();
    h.get_all_by_role(egui::accesskit::Role::TextInput).next().unwrap().click();
    h.run();
    h.get_all_by_role(egui::accesskit::Role::TextInput).next().unwrap().type_text("Ja / Nee / ");
    h.run();
    h.get_by_label("Voeg toe aan de lijst").click();
    h.run();
    assert_eq!(
        h.state().action,
        Some(Action::AddStatement { statement: "Bellen werkt beter.".into(), options: vec!["Ja".into(), "Nee".into()] })
    );
    assert!(h.state().form.lead.statement.is_empty() && h.state().form.lead.statement_options.is_empty());

    let mut view = in_session(Role::Facilitator, Phase::Ended, None, Lang::Nl);
    let h = harness(view.clone(), Form::default());
    assert!(h.query_by_label_contains("stellingen uit de zaal").is_none(), "none were added");
    let items = view.session.as_mut().unwrap().items.as_mut().unwrap();
    items[0].from_room = true;
    let mut h = harness(view, Form::default());
    h.get_by_label("Bewaar de stellingen uit de zaal als deck (voor trainers)").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::SaveRoomDeck));
}

/// The start screen's Decks tab with a new deck open in the editor, its first item selected.
fn editing() -> (ViewState, Form) {
    let view = ViewState {
        server: "ws://127.0.0.1:7878/ws".into(),
        link: game_client::connection_thread::Link::Connected,
        ..ViewState::default()
    };
    let mut editor = ui::editor::Editor::new(protocol::scenario::DeckFile::new("nieuw-deck", "Nieuw deck", "nl"));
    editor.selected = Some(0);
    (
        view,
        Form {
            start: StartForm { tab: StartTab::Decks, ..Default::default() },
            edit: EditForm { editor: Some(editor), ..Default::default() },
            ..Form::default()
        },
    )
}

#[test]
fn a_trainer_writes_a_statement_and_the_problem_beside_its_field_goes_away() {
    let (view, form) = editing();
    let mut h = harness(view, form);
    h.get_by_label_contains("⚠ `statement` in item \"stelling-1\" is leeg");
    assert!(h.get_by_label("Bewaar op de server").accesskit_node().is_disabled(), "not over a working deck with a problem");
    h.get_all_by_role(egui::accesskit::Role::MultilineTextInput).next().unwrap().click();
    h.run();
    h.get_all_by_role(egui::accesskit::Role::MultilineTextInput).next().unwrap().type_text("Bewoners beheren het groen.");
    h.run();
    h.run();
    assert!(h.query_by_label_contains("is leeg").is_none(), "the problem is gone once fixed");
    h.get_by_label("Geen problemen: klaar om te bewaren.");
    h.get_by_label("Bewaar op de server").click();
    h.run();
    let Some(Action::SaveDeck(content)) = h.state().action.clone() else { panic!("{:?}", h.state().action) };
    let deck = protocol::scenario::parse_deck("d.toml", &content).unwrap();
    assert_eq!(deck.items[0].statement(), Some("Bewoners beheren het groen."));
    // The preview: the statement as the room would see it, with a made-up result; then as the facilitator.
    h.get_by_label("Voorbeeld: zo ziet de zaal het").click();
    h.run();
    h.get_by_label("Bewoners beheren het groen.");
    h.get_by_label("47%");
    h.get_by_label("facilitator").click();
    h.run();
    h.get_by_label("Vragen voor het gesprek");
    h.get_by_label("Terug naar het deck").click();
    h.run();
    h.get_by_label("Geen problemen: klaar om te bewaren.");
}

#[test]
fn a_trainer_adds_a_statement_and_takes_a_theme_other_decks_use() {
    let (mut view, form) = editing();
    view.scenarios =
        vec![ScenarioSummary { themes: vec!["groen".into(), "loslaten".into()], ..summary("samen-werken", "Samen werken", "nl", 23) }];
    let mut h = harness(view, form);
    h.get_by_label("+ Stelling").click();
    h.run();
    h.get_by_label_contains("2. 💬 stelling-2");
    assert_eq!(h.state().form.edit.editor.as_ref().unwrap().selected, Some(1));
    h.get_by_label("+ groen").click();
    h.run();
    let file = &h.state().form.edit.editor.as_ref().unwrap().file;
    assert_eq!(file.list_of(protocol::scenario::Field::Item(1, "themes")), ["groen"]);
    assert!(h.query_by_label("+ groen").is_none(), "a theme the item has is not offered again");
}

#[test]
fn a_trainer_adds_a_sketch_moves_it_up_and_saves_a_draft_with_its_problems_to_a_file() {
    let (view, form) = editing();
    let mut h = harness(view, form);
    h.get_by_label("+ Sketch").click();
    h.run();
    h.get_by_label_contains("2. 🎭 sketch-1  ⚠");
    h.get_by_label("Rollen, elk met een geheime briefing");
    assert_eq!(
        h.get_all_by_label_contains("⚠ `name` in rol 1 van item \"sketch-1\" is leeg").count(),
        1,
        "a role's problem once, beside the roles"
    );
    h.get_by_label("Naar boven").click();
    h.run();
    let file = &h.state().form.edit.editor.as_ref().unwrap().file;
    assert_eq!((file.kind_of(0).as_str(), file.kind_of(1).as_str()), ("sketch", "dilemma"));
    assert_eq!(h.state().form.edit.editor.as_ref().unwrap().selected, Some(0), "the moved item stays selected");
    h.get_by_label("Dupliceer").click();
    h.run();
    assert_eq!(h.state().form.edit.editor.as_ref().unwrap().file.text_of(protocol::scenario::Field::Item(1, "id")), "sketch-1-kopie");
    // Problems: not to the server, but as a draft in a file.
    assert!(h.get_by_label("Bewaar op de server").accesskit_node().is_disabled());
    // The file's field is the second one-line field (after the server's address at the bottom).
    h.get_all_by_role(egui::accesskit::Role::TextInput).nth(1).unwrap().click();
    h.run();
    h.get_all_by_role(egui::accesskit::Role::TextInput).nth(1).unwrap().type_text("concept.toml");
    h.run();
    assert_eq!(h.state().form.edit.editor.as_ref().unwrap().path, "concept.toml");
    h.get_by_label("Bewaar als concept").click();
    h.run();
    let Some(Action::ExportDeck { path, content }) = h.state().action.clone() else { panic!("{:?}", h.state().action) };
    assert_eq!(path, "concept.toml");
    assert!(protocol::scenario::parse_deck("c.toml", &content).is_err(), "a draft may have problems");
}

#[test]
fn the_decks_tab_lists_the_servers_decks_to_edit() {
    let (mut view, _) = editing();
    view.scenarios = vec![summary("samen-werken", "Samen werken", "nl", 23)];
    let mut h = harness(view, Form { start: StartForm { tab: StartTab::Decks, ..Default::default() }, ..Form::default() });
    h.get_by_label("Bewerk").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::OpenDeck("samen-werken".into())));
    h.get_by_label("Nieuw deck").click();
    h.run();
    assert!(h.state().form.edit.editor.is_some());
}

#[test]
fn a_result_held_back_after_a_reopen_says_it_is_last_times() {
    let mut view = in_session(Role::Watcher, Phase::Revealed, Some(0), Lang::Nl);
    let mut t = protocol::tally::tally(
        "a",
        &["eens", "oneens", "hangt_af"],
        [("eens", None), ("oneens", None), ("eens", None)],
        protocol::MinGroup::LEAST,
    );
    t.held_back = 2;
    view.tally = Some(t.for_the_room(protocol::MinGroup::LEAST).into_tally());
    let h = harness(view, Form::default());
    h.get_by_label_contains("uitslag van de vorige keer");
    h.get_by_label_contains("67%");
}

/// Draws `view` in a window of `size` at `percent` text size for a dozen frames (the projector
/// sizes itself over a few) and returns every accessible node's rectangle with the window in points.
fn drawn_in(view: ViewState, form: Form, size: egui::Vec2, percent: u16) -> (Vec<(String, egui::Rect)>, egui::Rect, f32) {
    let screen = ui::screen_for(&view);
    let mut h = Harness::builder().with_size(size).build_ui_state(
        move |ui, st: &mut St| {
            let _ = ui::draw(ui, st.screen, &st.view, &mut st.form, &st.report, Instant::now());
        },
        St { view, form, report: Default::default(), screen, action: None },
    );
    ui::theme::apply(&h.ctx, false);
    ui::zoom::apply(&h.ctx, percent);
    h.run_steps(16);
    let zoom = h.ctx.zoom_factor();
    // It has settled: no frame after changes it (a projector left alone does not redraw).
    for _ in 0..4 {
        h.step();
        assert!((h.ctx.zoom_factor() - zoom).abs() < 0.003, "the zoom goes on changing: {zoom} then {}", h.ctx.zoom_factor());
    }
    let window = h.ctx.content_rect();
    let nodes = h
        .query_all(egui_kittest::kittest::by().predicate(|n| n.bounding_box().is_some()))
        .map(|n| {
            let a = n.accesskit_node();
            (format!("{:?} {:?} {:?}", a.role(), a.label(), a.value()), n.rect())
        })
        .collect();
    (nodes, window, zoom)
}

#[test]
fn the_projector_window_and_the_facilitator_screen_draw_nothing_outside_the_window_at_every_size_and_text_size() {
    let revealed = |role| {
        let mut v = in_session(role, Phase::Revealed, Some(0), Lang::Nl);
        let votes: Vec<(&str, Option<&str>)> = ["eens", "oneens", "hangt_af", "eens"].iter().map(|o| (*o, Some("West"))).collect();
        v.tally = Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], votes, protocol::MinGroup::LEAST));
        v
    };
    let sketch = {
        let mut v = in_session(Role::Watcher, Phase::Scene, Some(2), Lang::Nl);
        v.session.as_mut().unwrap().timer = Some(TimerView { duration_s: 30, remaining_ms: 0 });
        v
    };
    // The end with thirty long agreements, and a statement as long as the longest shipped one with six options.
    let ended = {
        let mut v = in_session(Role::Watcher, Phase::Ended, None, Lang::Nl);
        v.agreements = (1..=30)
            .map(|n| protocol::AgreementView {
                number: n,
                text: format!("Afspraak {n}: we bellen een initiatiefnemer binnen een week terug, ook als het antwoord nog niet af is."),
                item: None,
                themes: Vec::new(),
            })
            .collect();
        v
    };
    let six = {
        let mut v = in_session(Role::Watcher, Phase::Open, Some(0), Lang::Nl);
        let item = v.session.as_mut().unwrap().item.as_mut().unwrap();
        item.statement = Some("Een initiatiefnemer hoort één vast aanspreekpunt bij de gemeente te hebben, ook als ik daarvoor buiten mijn eigen taken moet werken.".into());
        item.options = (1..=6)
            .map(|i| protocol::OptionView { id: format!("o{i}"), label: format!("Antwoord {i}, met een lange uitleg erbij") })
            .collect();
        v
    };
    let states = [
        ("projector ended, thirty agreements", ended),
        ("projector, six options", six),
        ("projector lobby", in_session(Role::Watcher, Phase::Lobby, None, Lang::Nl)),
        ("projector open", in_session(Role::Watcher, Phase::Open, Some(0), Lang::Nl)),
        ("projector revealed", revealed(Role::Watcher)),
        ("projector sketch, time up", sketch),
        ("facilitator lobby", in_session(Role::Facilitator, Phase::Lobby, None, Lang::Nl)),
        ("facilitator open", in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl)),
        ("facilitator revealed", revealed(Role::Facilitator)),
    ];
    for (w, h) in [(1280.0, 720.0), (1920.0, 1080.0)] {
        for percent in ui::zoom::STEPS {
            for (name, view) in &states {
                let (nodes, window, zoom) = drawn_in(view.clone(), Form::default(), egui::vec2(w, h), percent);
                assert!(nodes.len() > 5, "{name}: {nodes:?}");
                if name.starts_with("facilitator") {
                    // The controls the bottom edge is checked for are there (renaming one fails here).
                    let wanted = if name.ends_with("open") {
                        "Sluit het stemmen"
                    } else if name.ends_with("revealed") {
                        "Volgende"
                    } else {
                        "Kies links"
                    };
                    assert!(nodes.iter().any(|(what, _)| what.contains(wanted)), "{name}: no {wanted:?} in {nodes:?}");
                }
                for (what, r) in &nodes {
                    if r.width() <= 0.0 || what.starts_with("Window") || what.contains("ScrollView") || what.starts_with("GenericContainer")
                    {
                        continue;
                    }
                    // Nothing runs off at the side; on the projector nothing runs off at the bottom
                    // either, and on the facilitator's screen no control does (its lists and the
                    // result below the controls scroll).
                    let below = r.max.y > window.max.y + 1.0;
                    let controls = ["Sluit het stemmen", "Toon de uitslag", "Volgende", "QR-code", "Bewoners mogen"];
                    // (Below 500 points of height, 1280×720 at 150% and more, the controls scroll too.)
                    let scrolls =
                        name.starts_with("facilitator") && (!controls.iter().any(|c| what.contains(c)) || window.height() < 500.0);
                    assert!(
                        r.min.x >= window.min.x - 1.0 && r.max.x <= window.max.x + 1.0 && (!below || scrolls),
                        "{name} at {w}x{h}, {percent}%: {what} at {r:?} outside the window {window:?}"
                    );
                }
                if name.starts_with("projector") {
                    // The projector scales to the screen: at 100% a 1920×1080 window draws at 1.5.
                    let scale = w / 1280.0;
                    assert!(
                        zoom >= scale * 0.6 - 0.01 && zoom <= scale * f32::from(percent) / 100.0 + 0.01,
                        "{name} at {w}x{h}, {percent}%: zoom {zoom}"
                    );
                    if percent == 100 && *name == "projector open" {
                        assert!((zoom - scale).abs() < 0.01, "{name} at {w}x{h}: zoom {zoom}, not the window's scale");
                    }
                }
            }
        }
    }
}

#[test]
fn teams_show_as_one_bar_split_by_option_that_a_screen_reader_reads_in_full() {
    let mut view = in_session(Role::Watcher, Phase::Revealed, Some(0), Lang::Nl);
    let votes: Vec<(&str, Option<&str>)> = ["eens", "oneens", "hangt_af", "eens"].iter().map(|o| (*o, Some("West"))).collect();
    view.tally = Some(protocol::tally::tally("a", &["eens", "oneens", "hangt_af"], votes, protocol::MinGroup::LEAST));
    let h = harness(view, Form::default());
    h.get_by_label("West (4)");
    let bar = h.get_by_label("Eens 50%, Oneens 25%, Hangt ervan af 25%");
    assert!(bar.rect().width() > 200.0 && bar.rect().height() >= 20.0, "{:?}", bar.rect());
}

#[test]
fn the_join_bar_is_a_strip_with_the_code_and_the_qr_code_comes_on_request_once_the_session_runs() {
    let join = "Meedoen: scan de QR-code of ga naar";
    // The lobby: the code in the strip, the QR code and the address once, large, in the middle.
    let h = harness(in_session(Role::Facilitator, Phase::Lobby, None, Lang::Nl), Form::default());
    assert_eq!(h.query_all_by_label(join).count(), 1);
    assert!(h.query_by_label("QR-code tonen").is_none());
    // A statement open: only the strip, and the QR code when asked for.
    let mut h = harness(in_session(Role::Facilitator, Phase::Open, Some(0), Lang::Nl), Form::default());
    h.run();
    assert_eq!(h.query_all_by_label(join).count(), 0);
    assert!(h.get_all_by_label("K7M2QX").count() >= 1, "latecomers can still type the code");
    h.get_by_label("QR-code tonen").click();
    h.run();
    assert_eq!(h.query_all_by_label(join).count(), 1);
    h.get_by_label("QR-code verbergen").click();
    h.run();
    assert_eq!(h.query_all_by_label(join).count(), 0);
}

#[test]
fn on_a_server_with_accounts_the_start_screen_signs_in_through_the_browser_and_says_who_is_signed_in() {
    let decks = vec![summary("samen-werken", "Samen werken aan de stad", "nl", 23)];
    let nobody = ViewState {
        server: "wss://dilemma.gemeente.example/ws".into(),
        scenarios: decks.clone(),
        accounts: Some(protocol::Accounts { signed_in: None, refused: false }),
        ..ViewState::default()
    };
    let mut h = harness(nobody.clone(), Form::default());
    h.get_by_label("Op deze server leiden medewerkers met hun account van de gemeente.");
    assert!(h.query_by_label("Start de sessie").is_none(), "nothing to start before the sign-in");
    h.get_by_label("Aanmelden bij de gemeente").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::SignIn));

    // Until the address is known: what happens, and a way to stop; no address yet.
    let starting = harness(ViewState { signing_in: Some(String::new()), ..nobody.clone() }, Form::default());
    starting.get_by_label("Meld je aan in de browser die nu opengaat; daarna gaat het hier verder.");
    assert!(starting.query_by_label("Kopieer het adres").is_none());
    starting.get_by_label("Stoppen");
    // Not on the tabs for taking part or the room's screen.
    let join_tab = Form { start: StartForm { tab: StartTab::Join, ..StartForm::default() }, ..Form::default() };
    assert!(harness(nobody.clone(), join_tab).query_by_label("Aanmelden bij de gemeente").is_none());

    // Waiting for the browser: the address to open by hand, and a way to stop.
    let url = "https://dilemma.gemeente.example/auth/login?next=%2Fhost&app=http%3A%2F%2F127.0.0.1%3A4711%2F";
    let mut h = harness(ViewState { signing_in: Some(url.into()), ..nobody.clone() }, Form::default());
    h.get_by_label("Ging er geen browser open? Open dan dit adres:");
    h.get_by_label(url);
    assert!(h.query_by_label("Aanmelden bij de gemeente").is_none(), "one sign-in at a time");
    h.get_by_label("Stoppen").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::CancelSignIn));

    // Signed in: who, and signing out; the decks tab says it too (saving a deck needs a trainer).
    let me = protocol::Account { name: "fien@gemeente.example".into(), role: protocol::StaffRole::Operator };
    let signed = ViewState { accounts: Some(protocol::Accounts { signed_in: Some(me), refused: false }), ..nobody.clone() };
    let mut h = harness(signed.clone(), Form::default());
    h.get_by_label("Aangemeld als fien@gemeente.example (beheerder)");
    h.get_by_label("Start de sessie");
    h.get_by_label("Afmelden").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::SignOut));
    let decks_tab = Form { start: StartForm { tab: StartTab::Decks, ..StartForm::default() }, ..Form::default() };
    harness(signed, decks_tab).get_by_label("Aangemeld als fien@gemeente.example (beheerder)");

    // A server without accounts (the laptop's own) shows none of it.
    let plain = harness(ViewState { accounts: None, ..nobody }, Form::default());
    assert!(plain.query_by_label_contains("Aanmelden").is_none() && plain.query_by_label_contains("Aangemeld").is_none());
}
