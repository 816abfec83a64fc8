//! Integration tests: sync of every format, re-delivery, failures, the CLI
//! contract, the docs' examples, and the real public samples in
//! ../shared/fixtures/real/.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod attribution;
mod attribution_props;
mod cli;
mod common;
mod demo;
mod dialect;
mod docs;
mod eks;
mod engine;
mod event_shapes;
mod failures;
mod focus_versions;
mod formats;
mod generated;
mod insights;
mod invoice;
mod moto;
mod properties;
mod real_samples;
mod redelivery;
mod reliability;
mod rule_delta_props;
mod rules_memory;
mod s3;
mod scad;
mod schema;
mod spark;
mod spark_cluster;
mod spark_equivalence;
mod spark_server;
mod spark_warehouse;
mod split_props;
mod statement_totals;
mod tag_aliases;
mod tagging;
mod terraform;
mod tui;
