//! The explorer: one event channel (keys from a reader thread, answers from a
//! worker with its own database connection), a loop generic over the ratatui
//! backend, shared state in `app`, each page (state, actions, drawing) in
//! `page/`, the frame around the pages in `ui/`.

pub mod app;
pub mod keys;
mod page;
mod query;
mod selection;
mod tour;
pub mod ui;
mod worker;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use anyhow::{Context, Result};
use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use self::app::{App, Request, Response, Tour};
use self::keys::KeyContext;
pub use self::worker::{Worker, spawn_worker};
use crate::attribute::RulesChoice;
use crate::db::Db;

/// Everything the loop reacts to.
#[derive(Debug)]
pub enum Event {
    Key(crossterm::event::KeyEvent),
    Resize,
    Response(Response),
}

/// How the explorer opens.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Walk through the demo's story (`demo --tour`).
    pub tour: bool,
}

/// Open the explorer on `db` in the real terminal; restores it on exit, error and panic.
/// Areas assigned on the tagging page become rules of the file `rules` resolves to.
pub fn run(db: &Db, export_dir: PathBuf, rules: RulesChoice, options: &Options) -> Result<()> {
    let months = db.explored_months()?;
    let (tx, rx) = channel();
    let requests = spawn_worker(
        Worker {
            db: db.try_clone()?,
            rules,
        },
        tx.clone(),
    );
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
    let mut app = App::new(months, export_dir);
    if options.tour {
        app.tour = Some(Tour::start());
    }
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
        terminal.draw(|frame| ui::draw(frame, &app))?;
        if app.quit {
            return Ok(app);
        }
        let Ok(event) = events.recv() else { return Ok(app) };
        match event {
            Event::Key(key) => {
                let context = KeyContext {
                    typing: app.taking_text(),
                    touring: app.tour.is_some(),
                };
                if let Some(action) = keys::action_for(key, context) {
                    app.status.clear();
                    send(app.update(action))?;
                }
            }
            Event::Resize => {}
            Event::Response(response) => send(app.receive(response))?,
        }
    }
}
