//! The explorer on TestBackend: whole-frame snapshots of each page and state
//! (at 80×24, the default terminal, and wider), journeys through the real
//! event loop with injected keys, the tour, hostile names, and the README's
//! screen captures, which must be these snapshots.

use std::path::Path;
use std::sync::mpsc::channel;
use std::time::Duration;

use apportion::attribute::RulesChoice;
use apportion::db::Db;
use apportion::tui::app::{Action, App, Mode, Movement, PAGES, Page, Request, Response, SortKey, Tour};
use apportion::tui::{Event, Worker, run_loop, spawn_worker, ui};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::*;

/// A copy of the demo database, built by the real `demo` command.
fn demo_db(dir: &Path) -> Db {
    Db::open(&demo_copy(dir)).unwrap()
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

/// Apply an action and answer its queries synchronously until none are left.
fn act(app: &mut App, db: &Db, action: Action) {
    app.status.clear(); // as the real loop does on every key
    let requests = app.update(action);
    settle(app, db, requests);
}

fn settle(app: &mut App, db: &Db, mut requests: Vec<Request>) {
    let worker = worker(db);
    while !requests.is_empty() {
        let request = requests.remove(0);
        let more = app.receive(worker.answer(request));
        requests.extend(more);
    }
}

fn started(db: &Db, dir: &Path) -> App {
    let mut app = App::new(db.explored_months().unwrap(), dir.to_path_buf());
    let requests = app.start();
    settle(&mut app, db, requests);
    app
}

/// The action of the number key of the page titled `title`.
fn show(title: &str) -> Action {
    Action::Show(PAGES.iter().position(|p| p.title == title).unwrap())
}

fn frame(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn snapshots_of_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let mut app = started(&db, dir.path());
    // At 80 columns the names get the width before the bar does.
    let explorer = frame(&app, 80, 24);
    for name in [
        "Amazon Elastic Compute Cloud",
        "Amazon Simple Storage Service",
        "AWS Support (Business)",
    ] {
        assert!(
            explorer.contains(&format!("│▶ {name} ")) || explorer.contains(&format!("│  {name} ")),
            "{explorer}"
        );
    }
    insta::assert_snapshot!("explorer", explorer);
    insta::assert_snapshot!("explorer_wide", frame(&app, 120, 30));

    act(&mut app, &db, Action::Drill);
    act(&mut app, &db, Action::Drill);
    insta::assert_snapshot!("two_levels_down", frame(&app, 80, 24));

    act(&mut app, &db, Action::Move(Movement::Bottom));
    act(&mut app, &db, Action::Explain);
    assert!(app.explaining());
    insta::assert_snapshot!("explain_popup", frame(&app, 100, 30));
    act(&mut app, &db, Action::ClosePopup);

    act(&mut app, &db, Action::ToggleHierarchy);
    insta::assert_snapshot!("area_first", frame(&app, 80, 24));

    act(&mut app, &db, Action::Sort(SortKey::Name));
    act(&mut app, &db, Action::Sort(SortKey::Name));
    insta::assert_snapshot!("sorted_by_name_reversed", frame(&app, 80, 24));

    act(&mut app, &db, Action::Help);
    insta::assert_snapshot!("help", frame(&app, 80, 24));
    act(&mut app, &db, Action::ClosePopup);

    insta::assert_snapshot!("narrow", frame(&app, 44, 16));

    // A question in flight shows the loading state; a failed answer shows in the
    // status line, and belongs to that question only.
    let mut loading = app.clone();
    let pending = loading.update(Action::PreviousMonth);
    insta::assert_snapshot!("loading", frame(&loading, 80, 24));
    let Some(Request::Rows { ticket, .. }) = pending.first().cloned() else {
        panic!("{pending:?}")
    };
    let mut failed = loading.clone();
    failed.receive(Response::Rows {
        ticket,
        answer: Err("IO Error: database file is gone".to_owned()),
    });
    insta::assert_snapshot!("error", frame(&failed, 80, 24));
    let mut stale = loading.clone();
    stale.receive(Response::Rows {
        ticket: ticket + 100,
        answer: Err("an answer to another question".to_owned()),
    });
    assert!(
        stale.explorer.view().rows.is_loading(),
        "an answer to another question changes nothing"
    );

    for (title, name) in [
        ("tagging", "tagging"),
        ("spikes", "spikes"),
        ("unit costs", "unit_costs"),
    ] {
        act(&mut app, &db, show(title));
        insta::assert_snapshot!(name, frame(&app, 80, 24));
    }
}

#[test]
fn an_empty_database_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("empty.duckdb")).unwrap();
    let app = started(&db, dir.path());
    let text = frame(&app, 80, 12);
    assert!(
        text.contains("apportion sync") && text.contains("apportion demo"),
        "{text}"
    );
    insta::assert_snapshot!("empty", text);
}

#[test]
fn a_resource_id_with_escape_sequences_renders_as_harmless_text() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_hostile_cur(dir.path());
    let (_d, db) = temp_db();
    sync(&db, &[csv]);
    apportion::attribute::run_rules(&db, &apportion::rules::Rules::defaults(), "", &Default::default()).unwrap();
    let mut app = started(&db, dir.path());
    act(&mut app, &db, Action::Drill);
    act(&mut app, &db, Action::Drill);
    let text = frame(&app, 100, 14);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
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
    let months = db.explored_months().unwrap();
    let (tx, rx) = channel();
    let requests = spawn_worker(worker(&db), tx.clone());
    let app = App::new(months.clone(), dir.path().to_path_buf());
    // Keys arrive as a user types them; the worker answers in between.
    let typist = std::thread::spawn(move || {
        let pause = || std::thread::sleep(Duration::from_millis(250));
        pause();
        for code in [
            KeyCode::Enter, // into the largest product
            KeyCode::Char('j'),
            KeyCode::Enter, // into the second area
            KeyCode::Enter, // deepest level: a status hint, no fourth level
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
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let end = run_loop(&mut terminal, app, &rx, &requests).unwrap();
    typist.join().unwrap();
    assert!(end.quit);
    assert_eq!(end.explorer.stack.len(), 1, "back at the top");
    assert_eq!(end.month(), Some(months[months.len() - 2].as_str()));
    assert_eq!(end.measure, apportion::db::CostMeasure::Amortized);
    assert_eq!(end.explorer.view().filter, "dy");
    let names: Vec<&str> = end.visible_rows().iter().map(|r| r.name.as_str()).collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.to_lowercase().contains("dy")),
        "{names:?}"
    );
    let exported: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .collect();
    assert_eq!(exported.len(), 1);
    let csv = std::fs::read_to_string(exported[0].path()).unwrap();
    assert!(csv.starts_with("resource or service,cost,previous_month\n"), "{csv}");
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains(&months[months.len() - 2]) && screen.contains("amortized"),
        "{screen}"
    );
}

/// Type `keys` into the real loop on the demo, then `q`; the state it ends in.
/// Before the first key and after a page's number key the typist waits for
/// the worker's answers (and a moment of quiet); movement keys follow fast.
fn journey(db: &Db, dir: &Path, keys: &[KeyCode]) -> App {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (tx, rx) = channel();
    let (answers_tx, answers_rx) = channel();
    let requests = spawn_worker(worker(db), answers_tx);
    let answered = Arc::new(AtomicUsize::new(0));
    let forwarder = {
        let (tx, answered) = (tx.clone(), answered.clone());
        std::thread::spawn(move || {
            for event in answers_rx {
                answered.fetch_add(1, Ordering::SeqCst);
                if tx.send(event).is_err() {
                    break;
                }
            }
        })
    };
    let app = App::new(db.explored_months().unwrap(), dir.to_path_buf());
    let keys = keys.to_vec();
    let typist = std::thread::spawn(move || {
        let settle = |before: usize| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let mut seen = before;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let now = answered.load(Ordering::SeqCst);
                if (now > before && now == seen) || std::time::Instant::now() > deadline {
                    return;
                }
                seen = now;
            }
        };
        settle(0);
        for code in keys.into_iter().chain([KeyCode::Char('q')]) {
            let before = answered.load(Ordering::SeqCst);
            tx.send(key(code)).unwrap();
            if matches!(code, KeyCode::Char('2'..='9')) {
                settle(before);
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let end = run_loop(&mut terminal, app, &rx, &requests).unwrap();
    typist.join().unwrap();
    drop(requests);
    drop(forwarder);
    assert!(end.quit);
    end
}

/// The selected row of the page on screen, and how many rows its list has.
fn selection(app: &App) -> (usize, usize) {
    match &app.page {
        Page::Explorer => (app.explorer.view().list.selected(), app.visible_rows().len()),
        Page::Tagging(t) => (t.list.selected(), t.coverage.ready().unwrap().chase.len()),
        Page::Spikes(s) => (s.list.selected(), s.spikes.ready().unwrap().spikes.len()),
        Page::UnitCosts(u) => (u.list.selected(), u.rows.ready().unwrap().len()),
        Page::Bill(b) => (b.list.selected(), b.bill.ready().unwrap().rows.len()),
    }
}

#[test]
fn every_page_moves_its_selection_with_the_same_keys() {
    use KeyCode::{Char, Down, End, Home, PageDown, PageUp, Up};
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    for (tab, page) in PAGES.iter().enumerate() {
        let (number, title) = (Char(char::from(b'1' + tab as u8)), page.title);
        let moved = |keys: &[KeyCode]| {
            // The explorer is open from the start.
            let opening: &[KeyCode] = if tab == 0 { &[] } else { &[number] };
            let app = journey(&db, dir.path(), &[opening, keys].concat());
            assert_eq!(app.page.spec().title, title);
            selection(&app)
        };
        let (_, len) = moved(&[]);
        assert!(len >= 3, "{title}: the demo gives every list a few rows");
        let last = len - 1;
        let page_down = 10.min(last);
        assert_eq!(moved(&[Char('j'), Down, Char('k')]).0, 1, "{title}: j, Down, k");
        assert_eq!(moved(&[Char('G')]).0, last, "{title}: G");
        assert_eq!(moved(&[End, Up, Char('g')]).0, 0, "{title}: End, Up, g");
        assert_eq!(moved(&[PageDown]).0, page_down, "{title}: PgDn");
        assert_eq!(
            moved(&[Char('G'), PageUp]).0,
            last.saturating_sub(10),
            "{title}: G, PgUp"
        );
        assert_eq!(moved(&[End, Home]).0, 0, "{title}: End, Home");
    }
}

#[test]
fn tagging_spikes_and_unit_cost_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let rules = dir.path().join("demo-rules.toml");
    assert!(rules.exists(), "the demo keeps its rules beside its database");
    let original = std::fs::read_to_string(&rules).unwrap();
    let mut app = started(&db, dir.path());

    act(&mut app, &db, show("tagging"));
    let covered = |app: &App| match &app.page {
        Page::Tagging(t) => t.covered().unwrap(),
        other => panic!("{other:?}"),
    };
    let chase = |app: &App| match &app.page {
        Page::Tagging(t) => t.coverage.ready().unwrap().chase.clone(),
        other => panic!("{other:?}"),
    };
    let before = covered(&app);
    let top = chase(&app)[0].clone();

    // Assign the top untagged row's product to an area: a rule is appended to
    // the rules file the database remembers, attribution runs again, and the
    // gauge moves.
    act(&mut app, &db, Action::AssignProduct);
    for c in "finance".chars() {
        act(&mut app, &db, Action::Char(c));
    }
    act(&mut app, &db, Action::Done);
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(
        // (After the file's last [[rule]], before its [[split]]s: the rules stay together.)
        text.len() > original.len() && text.contains(&format!("area = \"finance\"\nproduct = {:?}", top.product)),
        "{text}"
    );
    assert!(
        app.status.contains("added to") && app.status.contains("demo-rules.toml"),
        "{}",
        app.status
    );
    assert!(covered(&app) > before + 1e-6, "coverage {} → {}", before, covered(&app));

    act(&mut app, &db, Action::Undo);
    assert_eq!(std::fs::read_to_string(&rules).unwrap().trim_end(), original.trim_end());
    assert!((covered(&app) - before).abs() < 1e-9, "{} vs {before}", covered(&app));

    // While a rules change reaches the months (on the second connection),
    // those not done yet are marked; the month on screen is asked for again
    // as soon as it is done.
    let months = app.months.clone();
    let (latest, others) = months.split_last().unwrap();
    app.receive(Response::RulesProgress {
        redone: None,
        pending: months.clone(),
    });
    let screen = frame(&app, 80, 24);
    assert!(
        screen.contains(&format!("{latest} (old rules)")) && screen.contains("12 month(s) still old"),
        "{screen}"
    );
    let requests = app.receive(Response::RulesProgress {
        redone: Some(latest.clone()),
        pending: others.to_vec(),
    });
    assert!(!requests.is_empty(), "the month on screen is asked for again");
    settle(&mut app, &db, requests);
    let screen = frame(&app, 80, 24);
    assert!(
        !screen.contains("(old rules)") && screen.contains("11 month(s) still old") && screen.contains("Oc*"),
        "{screen}"
    );
    app.receive(Response::RulesProgress {
        redone: Some(others[0].clone()),
        pending: Vec::new(),
    });
    assert!(!frame(&app, 80, 24).contains("still old"));

    // `y` types an area for the row's usage type; Esc cancels without a rule.
    act(&mut app, &db, Action::AssignUsageType);
    match &app.mode {
        Mode::Typing(a) => assert_eq!((a.field, a.value.as_str()), ("usage_type", top.usage_type.as_str())),
        other => panic!("{other:?}"),
    }
    act(&mut app, &db, Action::Cancel);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(std::fs::read_to_string(&rules).unwrap().trim_end(), original.trim_end());

    act(&mut app, &db, show("spikes"));
    let first = match &app.page {
        Page::Spikes(s) => {
            assert!(s.daily.ready().is_some(), "the selected change's days are drawn");
            s.spikes.ready().unwrap().spikes[0].clone()
        }
        other => panic!("{other:?}"),
    };
    act(&mut app, &db, Action::Drill);
    assert_eq!(app.page, Page::Explorer);
    assert_eq!(
        app.explorer
            .view()
            .path
            .iter()
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>(),
        vec![first.area.clone(), first.product.clone()]
    );
    assert!(!app.visible_rows().is_empty());
    act(&mut app, &db, Action::Back);
    assert_eq!(app.explorer.view().path.len(), 1);
    assert!(
        app.explorer.view().rows.ready().is_some(),
        "the parent level is loaded on the way back"
    );

    act(&mut app, &db, show("unit costs"));
    match &app.page {
        Page::UnitCosts(u) => assert!(!u.rows.ready().unwrap().is_empty()),
        other => panic!("{other:?}"),
    }

    // The bill: every kind of charge, and where each went; Enter lists the
    // areas that received the selected one, h goes back.
    act(&mut app, &db, show("bill"));
    let bill = match &app.page {
        Page::Bill(b) => b.bill.ready().unwrap().clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(bill.allocated, bill.billed);
    assert!(bill.rows.iter().any(|r| r.charge == "discount"), "{:?}", bill.rows);
    insta::assert_snapshot!("bill", frame(&app, 80, 24));
    act(&mut app, &db, Action::Drill);
    let received = match &app.page {
        Page::Bill(b) => b
            .areas
            .ready()
            .unwrap()
            .iter()
            .map(|a| a.direct + a.by_split)
            .sum::<apportion::money::Money>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        received, bill.rows[0].billed,
        "the areas of {} add up to it",
        bill.rows[0].charge
    );
    insta::assert_snapshot!("bill_areas", frame(&app, 80, 24));
    act(&mut app, &db, Action::Back);
    match &app.page {
        Page::Bill(b) => assert!(b.charge.is_none()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_tour_walks_the_story_and_q_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let mut app = App::new(db.explored_months().unwrap(), dir.path().to_path_buf());
    app.tour = Some(Tour::start());
    let requests = app.start();
    settle(&mut app, &db, requests);
    let mut narrations = Vec::new();
    for step in 0..7 {
        let narration = app.tour_narration().unwrap();
        assert!(narration.starts_with(&format!("tour {}/7: ", step + 1)), "{narration}");
        assert!(!narration.contains("loading"), "{narration}");
        narrations.push(narration);
        insta::assert_snapshot!(format!("tour_{}", step + 1), frame(&app, 80, 24));
        act(&mut app, &db, Action::TourNext);
    }
    assert!(narrations[0].contains("% of the"), "{}", narrations[0]);
    assert!(narrations[3].contains("more on"), "{}", narrations[3]);
    assert!(narrations[5].contains("1M more API calls cost"), "{}", narrations[5]);
    assert!(
        narrations[6].contains("every dollar of the invoice reaches a team"),
        "{}",
        narrations[6]
    );
    // Back a step, then leave the tour: the explorer stays open.
    act(&mut app, &db, Action::TourBack);
    assert!(matches!(app.page, Page::UnitCosts(_)));
    act(&mut app, &db, Action::Quit);
    assert!(app.tour.is_none() && !app.quit);
    act(&mut app, &db, Action::Quit);
    assert!(app.quit);
}

/// README opens with screens of the demo; they are these snapshots, so they
/// cannot go stale. `APPORTION_BLESS_DOCS=1` (or the older
/// `APPORTION_UPDATE_README=1`) rewrites them.
#[test]
fn readme_screens_are_the_snapshots() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let mut updated = readme.clone();
    for name in ["explorer", "spikes", "tagging"] {
        let snapshot = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/it/snapshots/it__tui__{name}.snap")),
        )
        .unwrap();
        let screen = screen_of(&snapshot);
        let (open, close) = (format!("<!-- screen: {name} -->\n```text\n"), "```\n<!-- /screen -->");
        let start = updated
            .find(&open)
            .unwrap_or_else(|| panic!("README has no {open:?} block"))
            + open.len();
        let end = start + updated[start..].find(close).unwrap();
        if updated[start..end] != screen {
            updated.replace_range(start..end, &screen);
        }
    }
    if updated != readme {
        if ["APPORTION_BLESS_DOCS", "APPORTION_UPDATE_README"]
            .iter()
            .any(|v| std::env::var_os(v).is_some())
        {
            std::fs::write(&readme_path, &updated).unwrap();
        } else {
            panic!("README's screens differ from the snapshots: run with APPORTION_BLESS_DOCS=1");
        }
    }
}

/// The frame in an insta snapshot of `TestBackend`, as plain lines.
fn screen_of(snapshot: &str) -> String {
    let body = snapshot.splitn(3, "---\n").nth(2).unwrap_or(snapshot);
    body.lines()
        .filter_map(|l| l.strip_prefix('"').and_then(|l| l.strip_suffix('"')))
        .map(|l| format!("{}\n", l.replace("\\\"", "\"").replace("\\\\", "\\").trim_end()))
        .collect()
}
