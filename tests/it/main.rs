//! Integration tests: sync of every format, re-delivery, failures, the CLI
//! contract, and the real public samples in ../shared/fixtures/real/.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
mod demo;
mod failures;
mod insights;
mod formats;
mod generated;
mod properties;
mod real_samples;
mod redelivery;
mod reliability;
mod rules_memory;
mod moto;
mod s3;
mod attribution;
mod attribution_props;
mod event_shapes;
mod scad;
mod cli;
mod schema;
mod terraform;
mod tui;
