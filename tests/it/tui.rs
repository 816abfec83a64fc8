//! The explorer on TestBackend: whole-frame snapshots of each view and state,
//! journeys through the real event loop with injected keys, and hostile names.

use std::path::Path;
use std::sync::mpsc::channel;
use std::time::Duration;

use apportion::db::Db;
use apportion::tui::app::{Action, App, Request, SortKey};
use apportion::attribute::RulesChoice;
use apportion::tui::{Event, Worker, render, run_loop, spawn_worker};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::*;

/// The demo database, built once per test by the real `demo` command.
fn demo_db(dir: &Path) -> Db {
    let path = dir.join("demo.duckdb");
    assert_cmd::Command::cargo_bin("apportion")
        .unwrap()
        .args(["--db", path.to_str().unwrap(), "demo", "--no-tui"])
        .assert()
        .success();
    Db::open(&path).unwrap()
}

/// Apply an action and answer its queries synchronously until none are left.
fn act(app: &mut App, db: &Db, action: Action) {
    app.status.clear(); // as the real loop does on every key
    let requests = app.update(action);
    settle(app, db, requests);
}

fn settle(app: &mut App, db: &Db, mut requests: Vec<Request>) {
    let worker = worker(db);
    while let Some(request) = requests.pop() {
        let more = app.receive(worker.answer(request));
        requests.extend(more);
    }
}

/// A worker whose rules are the ones the database remembers (no default file).
fn worker(db: &Db) -> Worker {
    Worker {
        db: db.try_clone().unwrap(),
        rules: RulesChoice {
            given: None,
            default: std::env::temp_dir().join("apportion-tests-no-such-rules.toml"),
        },
    }
}

fn started(db: &Db, dir: &Path) -> App {
    let mut app = App::new(db.explored_months().unwrap(), dir.to_path_buf());
    let requests = app.start();
    settle(&mut app, db, requests);
    app
}

fn frame(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn snapshots_of_every_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let mut app = started(&db, dir.path());
    insta::assert_snapshot!("top_level", frame(&app, 110, 24));

    act(&mut app, &db, Action::Drill);
    act(&mut app, &db, Action::Down);
    act(&mut app, &db, Action::Drill);
    insta::assert_snapshot!("two_levels_down", frame(&app, 110, 24));

    act(&mut app, &db, Action::Explain);
    insta::assert_snapshot!("explain_popup", frame(&app, 110, 24));
    act(&mut app, &db, Action::ClosePopup);

    act(&mut app, &db, Action::ToggleHierarchy);
    insta::assert_snapshot!("area_first", frame(&app, 110, 24));

    act(&mut app, &db, Action::Sort(SortKey::Name));
    act(&mut app, &db, Action::Sort(SortKey::Name));
    insta::assert_snapshot!("sorted_by_name_reversed", frame(&app, 110, 24));

    act(&mut app, &db, Action::Help);
    insta::assert_snapshot!("help", frame(&app, 110, 24));
    act(&mut app, &db, Action::ClosePopup);

    insta::assert_snapshot!("narrow", frame(&app, 44, 16));

    // A query in flight shows the loading state; an error shows in the status line.
    let mut loading = app.clone();
    let _pending = loading.update(Action::PreviousMonth);
    insta::assert_snapshot!("loading", frame(&loading, 110, 24));
    let mut failed = app.clone();
    failed.receive(apportion::tui::app::Response::Failed {
        message: "IO Error: database file is gone".to_owned(),
    });
    insta::assert_snapshot!("error", frame(&failed, 110, 24));
}

#[test]
fn an_empty_database_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("empty.duckdb")).unwrap();
    let app = started(&db, dir.path());
    let text = frame(&app, 80, 12);
    assert!(text.contains("apportion sync") && text.contains("apportion demo"), "{text}");
    insta::assert_snapshot!("empty", text);
}

#[test]
fn a_resource_id_with_escape_sequences_renders_as_harmless_text() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_hostile_cur(dir.path());
    let (_d, db) = temp_db();
    sync(&db, &[csv]);
    apportion::attribute::run_rules(&db, &apportion::attribute::rules::Rules::defaults(), "", &Default::default()).unwrap();
    let mut app = started(&db, dir.path());
    act(&mut app, &db, Action::Drill);
    act(&mut app, &db, Action::Drill);
    let text = frame(&app, 100, 14);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'), "{text:?}");
    assert!(text.contains("i-1\\x1b]0;pwned\\x07\\x1b[2J"), "{text}");
    assert!(text.contains("EC2\\x9b31m"), "{text}");
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn journey_through_the_real_loop() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let (tx, rx) = channel();
    let requests = spawn_worker(worker(&db), tx.clone());
    let app = App::new(db.explored_months().unwrap(), dir.path().to_path_buf());
    // Keys arrive as a user types them; the worker answers in between.
    let typist = std::thread::spawn(move || {
        let pause = || std::thread::sleep(Duration::from_millis(250));
        pause();
        for code in [
            KeyCode::Enter,    // into EC2
            KeyCode::Char('j'),
            KeyCode::Enter,    // into the second area
            KeyCode::Char('j'),
            KeyCode::Enter,    // deepest level: a status hint, no fourth level
            KeyCode::Char('e'),
            KeyCode::Backspace,
            KeyCode::Char('h'),
            KeyCode::Char('['), // previous month
            KeyCode::Char('a'), // amortized
            KeyCode::Char('/'),
            KeyCode::Char('d'),
            KeyCode::Char('y'),
            KeyCode::Enter,
            KeyCode::Char('q'),
        ] {
            tx.send(key(code)).unwrap();
            pause();
        }
    });
    let mut terminal = Terminal::new(TestBackend::new(110, 24)).unwrap();
    let end = run_loop(&mut terminal, app, &rx, &requests).unwrap();
    typist.join().unwrap();
    assert!(end.quit);
    assert_eq!(end.stack.len(), 1, "back at the top");
    assert_eq!(end.month().unwrap(), "2026-10");
    assert_eq!(end.measure, apportion::db::CostMeasure::Amortized);
    assert_eq!(end.view().filter, "dy");
    let names: Vec<&str> = end.visible_rows().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["Amazon DynamoDB"]);
    let exported: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .collect();
    assert_eq!(exported.len(), 1);
    let csv = std::fs::read_to_string(exported[0].path()).unwrap();
    assert!(csv.starts_with("resource or service,cost,previous_month\n"), "{csv}");
    let screen = terminal.backend().to_string();
    assert!(screen.contains("2026-10") && screen.contains("amortized"), "{screen}");
}

#[test]
fn tagging_spikes_and_unit_cost_views() {
    use apportion::tui::app::Screen;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let rules = dir.path().join("demo-rules.toml");
    assert!(rules.exists(), "the demo keeps its rules beside its database");
    let original = std::fs::read_to_string(&rules).unwrap();
    let mut app = started(&db, dir.path());

    act(&mut app, &db, Action::Show(Screen::Tagging));
    insta::assert_snapshot!("tagging", frame(&app, 110, 20));
    let before = app.coverage.as_ref().unwrap().chase.clone();
    let top = before[0].clone();
    assert_eq!(top.product, "Amazon DynamoDB", "the largest untagged spend is the dedup-keys table");
    let covered = |app: &App| {
        let c = app.coverage.as_ref().unwrap();
        c.by_product.iter().map(|(_, v, _)| v.as_f64()).sum::<f64>() / c.total.as_f64()
    };
    let start = covered(&app);

    // Assign the top row's product to an area: a rule is appended, attribution
    // runs again, and the gauge moves.
    act(&mut app, &db, Action::AssignProduct);
    for c in "finance".chars() {
        act(&mut app, &db, Action::FilterChar(c));
    }
    act(&mut app, &db, Action::FilterDone);
    let text = std::fs::read_to_string(&rules).unwrap();
    let rule = format!("area = \"finance\"\nproduct = \"{}\"", top.product);
    assert!(text.starts_with(&original) && text.contains(&rule), "{text}");
    let next = original.matches("[[rule]]").count() + 1;
    assert!(app.status.starts_with(&format!("rule {next} added")), "{}", app.status);
    assert!(covered(&app) > start + 0.04, "{start} → {}", covered(&app));
    app.status.clear(); // it names the temp dir
    insta::assert_snapshot!("tagging_after_assign", frame(&app, 110, 20));

    act(&mut app, &db, Action::Undo);
    assert_eq!(std::fs::read_to_string(&rules).unwrap().trim_end(), original.trim_end());
    assert!((covered(&app) - start).abs() < 1e-9, "{start} → {}", covered(&app));

    // `y` assigns by the resource's usage type; Esc cancels without a rule.
    act(&mut app, &db, Action::AssignUsageType);
    let typing = app.typing.clone().unwrap();
    assert_eq!((typing.field, typing.value.as_str()), ("usage_type", top.usage_type.as_str()));
    act(&mut app, &db, Action::FilterCancel);
    assert!(app.typing.is_none());
    assert_eq!(std::fs::read_to_string(&rules).unwrap().trim_end(), original.trim_end());

    act(&mut app, &db, Action::Show(Screen::Spikes));
    insta::assert_snapshot!("spikes", frame(&app, 110, 20));
    act(&mut app, &db, Action::Drill);
    assert_eq!(app.screen, Screen::Explorer);
    assert_eq!(
        app.view().path.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
        vec!["pipeline", "Amazon Simple Storage Service"]
    );
    assert_eq!(app.visible_rows().len(), 2, "the two buckets behind the spike");
    act(&mut app, &db, Action::Back);
    assert_eq!(app.view().path.len(), 1);
    assert!(!app.view().rows.is_empty(), "the parent level is loaded on the way back");

    act(&mut app, &db, Action::Show(Screen::UnitCosts));
    insta::assert_snapshot!("unit_costs", frame(&app, 110, 14));
}
