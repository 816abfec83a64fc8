//! The explorer: one event channel (keys from a reader thread, answers from a
//! worker with its own database connection), a loop generic over the ratatui
//! backend, state in `app`, drawing in `render`.

pub mod app;
pub mod keys;
mod query;
pub mod render;

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use anyhow::{Context, Result};
use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use self::app::{App, Request, Response};
use crate::attribute::RulesChoice;
use crate::db::Db;

/// Everything the loop reacts to.
#[derive(Debug)]
pub enum Event {
    Key(crossterm::event::KeyEvent),
    Resize,
    Response(Response),
}

/// Open the explorer on `db` in the real terminal; restores it on exit, error and panic.
/// Areas assigned in the tagging view become rules of the file `rules` resolves to.
pub fn run(db: &Db, export_dir: PathBuf, rules: RulesChoice) -> Result<()> {
    let months = db.explored_months()?;
    let (tx, rx) = channel();
    let requests = spawn_worker(Worker { db: db.try_clone()?, rules }, tx.clone());
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let sent = match ev {
                TermEvent::Key(k) if k.kind != KeyEventKind::Release => tx.send(Event::Key(k)),
                TermEvent::Resize(_, _) => tx.send(Event::Resize),
                _ => Ok(()),
            };
            if sent.is_err() {
                break;
            }
        }
    });
    // ratatui::init enters raw mode and the alternate screen, and installs a
    // panic hook that restores the terminal before the panic message prints.
    let mut terminal = ratatui::init();
    let app = App::new(months, export_dir);
    let outcome = run_loop(&mut terminal, app, &rx, &requests);
    ratatui::restore();
    outcome.map(|_| ())
}

/// The event loop: draw, wait for an event, update. Returns the final state.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    events: &Receiver<Event>,
    requests: &Sender<Request>,
) -> Result<App>
where
    B::Error: Send + Sync + 'static,
{
    let send = |queries: Vec<Request>| -> Result<()> {
        for q in queries {
            requests.send(q).context("the query worker stopped")?;
        }
        Ok(())
    };
    send(app.start())?;
    loop {
        terminal.draw(|frame| render::draw(frame, &app))?;
        if app.quit {
            return Ok(app);
        }
        let Ok(event) = events.recv() else { return Ok(app) };
        match event {
            Event::Key(key) => {
                if let Some(action) = keys::action_for(key, app.taking_text()) {
                    app.status.clear();
                    send(app.update(action))?;
                }
            }
            Event::Resize => {}
            Event::Response(response) => send(app.receive(response))?,
        }
    }
}

/// What answers the explorer's requests: its own connection, and where the
/// rules the tagging view assigns go.
pub struct Worker {
    pub db: Db,
    pub rules: RulesChoice,
}

/// A thread with its own connection that answers requests in order, skipping
/// row and sparkline requests that a newer one has superseded.
pub fn spawn_worker(worker: Worker, events: Sender<Event>) -> Sender<Request> {
    let (tx, rx) = channel::<Request>();
    std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            batch.extend(rx.try_iter());
            let latest_rows = batch.iter().rposition(|r| matches!(r, Request::Rows { .. }));
            let latest_daily = batch.iter().rposition(|r| matches!(r, Request::Daily { .. }));
            for (i, request) in batch.into_iter().enumerate() {
                let superseded = match request {
                    Request::Rows { .. } => Some(i) != latest_rows,
                    Request::Daily { .. } => Some(i) != latest_daily,
                    _ => false,
                };
                if superseded {
                    continue;
                }
                if events.send(Event::Response(worker.answer(request))).is_err() {
                    return;
                }
            }
        }
    });
    tx
}

impl Worker {
    /// Run one request against the database.
    pub fn answer(&self, request: Request) -> Response {
        answer(&self.db, &self.rules, request)
    }
}

fn answer(db: &Db, rules: &RulesChoice, request: Request) -> Response {
    let failed = |e: &dyn std::fmt::Display| Response::Failed { message: e.to_string() };
    match request {
        Request::Rows {
            generation,
            month,
            previous,
            measure,
            path,
            level,
        } => match db.explore(&month, previous.as_deref(), measure, &path, level) {
            Ok(rows) => Response::Rows { generation, rows },
            Err(e) => failed(&e),
        },
        Request::Daily {
            generation,
            month,
            measure,
            path,
        } => match db.daily(&month, measure, &path) {
            Ok(values) => Response::Daily { generation, values },
            Err(e) => failed(&e),
        },
        Request::Explain { month, resource } => match db.explain(&month, &resource) {
            Ok(Some(x)) => {
                let mut text = Vec::new();
                let _ = crate::report::write_explanation(&x, &mut text);
                Response::Explained {
                    text: String::from_utf8_lossy(&text).into_owned(),
                }
            }
            Ok(None) => Response::Explained {
                text: format!("no billing line of {month} names {resource}"),
            },
            Err(e) => failed(&e),
        },
        Request::Coverage { month, target } => match db.coverage(&month, crate::db::CostMeasure::Unblended, target) {
            Ok(c) => Response::Coverage(c),
            Err(e) => failed(&e),
        },
        Request::Spikes { month } => match db.spikes(&month, crate::db::CostMeasure::Unblended, 1.0) {
            Ok(s) => Response::Spikes(s),
            Err(e) => failed(&e),
        },
        Request::UnitCosts => match db.unit_costs(None, crate::db::CostMeasure::Unblended) {
            Ok(rows) => Response::UnitCosts(rows),
            Err(e) => failed(&e),
        },
        Request::AssignRule { assignment } => {
            match crate::attribute::assign(db, rules, &assignment.area, assignment.field, &assignment.value) {
                Ok(message) => Response::RulesChanged { message, added: true },
                Err(e) => failed(&format!("{e:#}")),
            }
        }
        Request::UndoRule => match crate::attribute::undo_assign(db, rules) {
            Ok(message) => Response::RulesChanged { message, added: false },
            Err(e) => failed(&format!("{e:#}")),
        },
        Request::Export { path, header, rows } => {
            let written = (|| -> std::io::Result<()> {
                let mut w = csv::Writer::from_path(&path)?;
                w.write_record(&header)?;
                for row in rows {
                    w.write_record(row.iter().map(|c| crate::safe_text::for_terminal(c).into_owned()))?;
                }
                w.flush()?;
                std::io::stdout().flush()
            })();
            match written {
                Ok(()) => Response::Exported { path },
                Err(e) => failed(&format!("export to {} failed: {e}", path.display())),
            }
        }
    }
}
