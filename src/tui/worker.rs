//! The thread that answers the explorer's requests with its own database
//! connection. It only runs queries; assigning an area is the attribution
//! layer's `assign`.

use std::io::Write;
use std::sync::mpsc::{Sender, channel};

use super::Event;
use super::query::{Request, Response};
use crate::attribute::RulesChoice;
use crate::db::{CostMeasure, Db};

/// Answers requests: its own connection, and where assigned rules go.
pub struct Worker {
    pub db: Db,
    pub rules: RulesChoice,
}

/// A thread that answers requests in order, skipping row, daily and trend
/// requests a newer one of the same kind has superseded.
pub fn spawn_worker(worker: Worker, events: Sender<Event>) -> Sender<Request> {
    let (tx, rx) = channel::<Request>();
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
            Request::AssignRule { assignment } => Response::RulesChanged {
                answer: crate::attribute::assign(
                    db,
                    &self.rules,
                    &assignment.area,
                    assignment.field,
                    &assignment.value,
                )
                .map(|message| (message, true))
                .map_err(|e| format!("{e:#}")),
            },
            Request::UndoRule => Response::RulesChanged {
                answer: crate::attribute::undo_assign(db, &self.rules)
                    .map(|message| (message, false))
                    .map_err(|e| format!("{e:#}")),
            },
            Request::Export { path, header, rows } => Response::Exported {
                answer: export(&path, &header, rows)
                    .map(|()| path.clone())
                    .map_err(|e| format!("export to {} failed: {e}", path.display())),
            },
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
