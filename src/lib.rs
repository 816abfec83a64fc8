//! apportion: attribute every dollar of an AWS bill to a product area, offline.
//!
//! Layers, data flowing one way: `cli` → `cmd` → (`s3` | `ingest` |
//! `attribute` | `report` | `tui`) → `db`. `s3` downloads exports into a
//! local mirror (reading manifests with `ingest::manifest`), which `ingest`
//! then syncs like any folder.
//! Only `db` talks to DuckDB; `safe_text` guards the terminal from bill strings;
//! `demo` writes the demo company's exports; `money` is the exact decimal every
//! amount travels as. `spark` (cargo feature `spark`) is the session on a
//! Spark Connect server; `db::dialect` spells what the two engines write
//! differently.

pub mod attribute;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod db;
pub mod demo;
pub mod ingest;
pub mod money;
pub mod report;
pub mod rules;
pub mod s3;
pub mod safe_text;
#[cfg(feature = "spark")]
pub mod spark;
pub mod terraform;
pub mod tui;
