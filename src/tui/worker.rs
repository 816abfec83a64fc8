//! The threads that answer the explorer's requests, each with its own
//! database connection: one runs queries; the other applies rules changes
//! (the attribution layer's `assign` and `undo_assign`), month by month,
//! so the pages keep answering while months are attributed.

use std::io::Write;
use std::sync::mpsc::{Sender, channel};

use super::Event;
use super::query::{Request, Response};
use crate::attribute::RulesChoice;
use crate::db::{CostMeasure, Db, MonthProgress};

/// Answers requests: its own connection, and where assigned rules go.
pub struct Worker {
    pub db: Db,
    pub rules: RulesChoice,
}

/// A thread that answers requests in order, skipping row, daily and trend
/// requests a newer one of the same kind has superseded; rules changes go to
/// a second thread with its own connection, which reports each month it
/// brings up to date.
pub fn spawn_worker(worker: Worker, events: Sender<Event>) -> Sender<Request> {
    let (tx, rx) = channel::<Request>();
    let rules_requests = spawn_rules_worker(&worker, events.clone());
    std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            batch.extend(rx.try_iter());
            let last_of = |kind: fn(&Request) -> bool| batch.iter().rposition(kind);
            let latest = [
                last_of(|r| matches!(r, Request::Rows { .. })),
                last_of(|r| matches!(r, Request::Daily { .. })),
                last_of(|r| matches!(r, Request::Trend { .. })),
            ];
            for (i, request) in batch.into_iter().enumerate() {
                let superseded = match request {
                    Request::Rows { .. } => Some(i) != latest[0],
                    Request::Daily { .. } => Some(i) != latest[1],
                    Request::Trend { .. } => Some(i) != latest[2],
                    _ => false,
                };
                if superseded {
                    continue;
                }
                if matches!(request, Request::AssignRule { .. } | Request::UndoRule { .. })
                    && let Some(rules) = &rules_requests
                {
                    let _ = rules.send(request);
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

/// The thread that applies rules changes on a connection of its own (None
/// when no second connection opens: then the query thread applies them).
fn spawn_rules_worker(worker: &Worker, events: Sender<Event>) -> Option<Sender<Request>> {
    let rules_worker = Worker {
        db: worker.db.try_clone().ok()?,
        rules: worker.rules.clone(),
    };
    let (tx, rx) = channel::<Request>();
    std::thread::spawn(move || {
        for request in rx {
            let mut progress = MonthsToScreen {
                events: events.clone(),
                pending: Vec::new(),
            };
            let response = rules_worker.change_rules(request, &mut progress);
            if events.send(Event::Response(response)).is_err() {
                return;
            }
        }
    });
    Some(tx)
}

/// Reports a rules change's months to the explorer as they are done.
struct MonthsToScreen {
    events: Sender<Event>,
    pending: Vec<String>,
}

impl MonthProgress for MonthsToScreen {
    fn months(&mut self, months: &[String]) {
        self.pending = months.to_vec();
        let _ = self.events.send(Event::Response(Response::RulesProgress {
            redone: None,
            pending: self.pending.clone(),
        }));
    }

    fn month_finished(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let redone = self.pending.remove(0);
        let _ = self.events.send(Event::Response(Response::RulesProgress {
            redone: Some(redone),
            pending: self.pending.clone(),
        }));
    }
}

impl Worker {
    /// Run one request against the database.
    pub fn answer(&self, request: Request) -> Response {
        let db = &self.db;
        let text = |e: crate::db::DbError| e.to_string();
        match request {
            Request::Rows {
                ticket,
                month,
                previous,
                measure,
                path,
                level,
            } => Response::Rows {
                ticket,
                answer: db
                    .explore(&month, previous.as_deref(), measure, &path, level)
                    .map_err(text),
            },
            Request::Daily {
                ticket,
                month,
                measure,
                path,
            } => Response::Daily {
                ticket,
                answer: db.daily(&month, measure, &path).map_err(text),
            },
            Request::Trend {
                ticket,
                months,
                measure,
                path,
            } => Response::Trend {
                ticket,
                answer: db.trend(&months, measure, &path).map_err(text),
            },
            Request::Explain { month, resource } => Response::Explained {
                text: match db.explain(&month, &resource) {
                    Ok(Some(x)) => {
                        let mut out = Vec::new();
                        let _ = crate::report::write_explanation(&x, &mut out);
                        String::from_utf8_lossy(&out).into_owned()
                    }
                    Ok(None) => format!("no billing line of {month} names {resource}"),
                    Err(e) => format!("error: {e}"),
                },
            },
            Request::Coverage { ticket, month, target } => Response::Coverage {
                ticket,
                answer: db.coverage(&month, CostMeasure::Unblended, target).map_err(text),
            },
            Request::Spikes { ticket, month } => Response::Spikes {
                ticket,
                answer: db.spikes(&month, CostMeasure::Unblended, 1.0).map_err(text),
            },
            Request::SpikeDaily {
                ticket,
                month,
                previous,
                path,
            } => Response::SpikeDaily {
                ticket,
                answer: (|| {
                    let now = db.daily(&month, CostMeasure::Unblended, &path)?;
                    let before = match previous {
                        Some(p) => db.daily(&p, CostMeasure::Unblended, &path)?,
                        None => Vec::new(),
                    };
                    Ok((now, before))
                })()
                .map_err(text),
            },
            Request::Bill { ticket, month } => Response::Bill {
                ticket,
                answer: db.reconcile(&month, CostMeasure::Unblended).map_err(text),
            },
            Request::ChargeAreas { ticket, month, charge } => Response::ChargeAreas {
                ticket,
                answer: db.charge_areas(&month, &charge, CostMeasure::Unblended).map_err(text),
            },
            Request::UnitCosts { ticket } => Response::UnitCosts {
                ticket,
                answer: db.unit_costs(None, CostMeasure::Unblended).map_err(text),
            },
            Request::AssignRule { .. } | Request::UndoRule { .. } => self.change_rules(request, &mut ()),
            Request::Export { path, header, rows } => Response::Exported {
                answer: export(&path, &header, rows)
                    .map(|()| path.clone())
                    .map_err(|e| format!("export to {} failed: {e}", path.display())),
            },
        }
    }
}

impl Worker {
    /// Apply a rules change (`AssignRule`, `UndoRule`), reporting months to `progress`.
    pub fn change_rules(&self, request: Request, progress: &mut dyn MonthProgress) -> Response {
        let answer = match request {
            Request::AssignRule { rule, month } => {
                crate::attribute::assign(&self.db, &self.rules, &rule, month.as_deref(), progress)
                    .map(|message| (message, true))
            }
            Request::UndoRule { month } => {
                crate::attribute::undo_assign(&self.db, &self.rules, month.as_deref(), progress)
                    .map(|message| (message, false))
            }
            _ => {
                return Response::RulesChanged {
                    answer: Err("not a rules change".to_owned()),
                };
            }
        };
        Response::RulesChanged {
            answer: answer.map_err(|e| format!("{e:#}")),
        }
    }
}

fn export(path: &std::path::Path, header: &[String], rows: Vec<Vec<String>>) -> std::io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| crate::safe_text::for_terminal(c).into_owned()))?;
    }
    w.flush()?;
    std::io::stdout().flush()
}
