//! apportion: attribute every dollar of an AWS bill to a product area, offline.
//!
//! Layers, data flowing one way: `cli` → `cmd` → (`ingest` | `attribute` |
//! `report` | `tui`) → `db`.
//! Only `db` talks to DuckDB; `safe_text` guards the terminal from bill strings;
//! `demo` writes the demo company's exports; `money` is the exact decimal every
//! amount travels as.

pub mod attribute;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod db;
pub mod demo;
pub mod ingest;
pub mod money;
pub mod report;
pub mod safe_text;
pub mod terraform;
pub mod tui;
