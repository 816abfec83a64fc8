//! Integration tests: sync of every format, re-delivery, failures, the CLI
//! contract, and the real public samples in ../shared/fixtures/real/.

mod common;
mod failures;
mod insights;
mod formats;
mod properties;
mod real_samples;
mod redelivery;
mod reliability;
mod rules_memory;
mod attribution;
mod attribution_props;
mod event_shapes;
mod scad;
mod cli;
mod schema;
mod terraform;
mod tui;
