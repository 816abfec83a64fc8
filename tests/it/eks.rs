//! EKS split cost allocation data, worked out by hand on tests/fixtures/eks:
//! a CUR 2.0 hour of two instances and their pods' split rows, built line by
//! line from AWS's split cost allocation documentation (its two worked
//! examples), and a service map that names EKS workloads.
//!
//! m5.xlarge `i-0e…e1`, $1.00 for the hour, 4 vCPU and 16 GB, weighted vCPU
//! 9 : GB 1, so a unit is 1 / (9·4 + 1·16) = 1/52: a vCPU-hour $9/52, a
//! GB-hour $1/52. A pod is allocated max(reserved, used); vCPU is divided by
//! the 4.9 allocated (more than the 4 there are), memory by the 16 GB; the 2 GB
//! no pod reserved are unused, shared by allocated memory (4:6:2:2 of 14).
//!
//! | pod  | namespace/workload | vCPU      | GB      | split + unused                                 | total    |
//! |------|--------------------|-----------|---------|------------------------------------------------|----------|
//! | pod1 | namespace1/api     | 1 of 4.9  | 4 of 16 | 9/52·4/4.9 + 1/52·4 + 4/14·2/52                 | 0.229199 |
//! | pod2 | namespace2/search  | 1.9 / 4.9 | 6 of 16 | 9/52·4·1.9/4.9 + 6/52 + 6/14·2/52               | 0.400314 |
//! | pod3 | namespace1/worker  | 1 of 4.9  | 2 of 16 | 9/52·4/4.9 + 2/52 + 2/14·2/52                   | 0.185243 |
//! | pod4 | namespace2/search  | 1 of 4.9  | 2 of 16 | as pod3                                         | 0.185243 |
//!
//! p3.16xlarge `i-0e…e2`, $10.00, 8 GPUs, 64 vCPU, 488 GB, an accelerated
//! instance: GPU 9 : (vCPU + GB) 1, the 1 split 9:1, so GPU 9, vCPU 0.9, GB
//! 0.1 and a unit is 10 / (9·8 + 0.9·64 + 0.1·488) = 10/178.4. Allocated GPUs
//! 1, 3, 2, 2 of 8; vCPU 16, 18, 16, 16 of 66; GB 100, 140, 100, 100 of 488,
//! the 48 GB left over shared 100:140:100:100. Pod totals 1.908887,
//! 3.264370, 2.413371, 2.413371: workload namespace1/trainer (gpod1, gpod3,
//! labelled product_area=ml) 4.322258, namespace2/scorer 5.677742.
//!
//! A Fargate pod of namespace2/batch is a line of its own, $0.50: money, no
//! weight. The bill: $11.50.
//!
//! Service map: api in namespace1 → checkout; every workload of namespace2
//! in cluster shop → analytics (the Fargate pod's line too, method
//! `service`). namespace1/worker has neither a map entry nor a label.

use std::collections::BTreeMap;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension};
use apportion::rules::Rules;

use crate::common::*;

const MONTH: &str = "2026-09";

fn attributed(rules_text: &str) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    sync(&db, &[fixture("eks")]);
    let rules = Rules::parse(rules_text, "rules.toml").unwrap();
    run_rules(&db, &rules, rules_text, &Overrides::default()).unwrap();
    (dir, db)
}

fn close(actual: &BTreeMap<String, f64>, expected: &[(&str, f64)]) {
    for (key, want) in expected {
        let got = actual.get(*key).copied().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 2e-6, "{key}: {got} vs {want} in {actual:?}");
    }
    let total: f64 = actual.values().sum();
    assert!((total - 11.5).abs() < 1e-9, "conserved: {total}");
}

#[test]
fn pods_split_their_instances_as_aws_works_it_out() {
    let (_dir, db) = attributed("");
    let services = totals_by(&db, MONTH, Dimension::Service, CostMeasure::Unblended);
    close(
        &services,
        &[
            ("namespace1/api", 0.229199),
            ("namespace2/search", 0.400314 + 0.185243),
            ("namespace1/worker", 0.185243),
            ("namespace1/trainer", 1.908887 + 2.413371),
            ("namespace2/scorer", 3.264370 + 2.413371),
        ],
    );
    let areas = totals_by(&db, MONTH, Dimension::Area, CostMeasure::Unblended);
    close(
        &areas,
        &[
            ("checkout", 0.229199),
            ("analytics", 0.400314 + 0.185243 + 3.264370 + 2.413371 + 0.50),
            ("ml", 4.322258),
            ("(unmapped)", 0.185243),
        ],
    );
    let methods = totals_by(&db, MONTH, Dimension::Method, CostMeasure::Unblended);
    assert_eq!(
        methods["service"], 0.5,
        "the Fargate pod by the service map: {methods:?}"
    );
    // To the cent, as a report shows them.
    assert_eq!(format!("{:.2}", areas["analytics"]), "6.76");
    assert_eq!(format!("{:.2}", areas["ml"]), "4.32");
}

#[test]
fn idle_separate_leaves_the_unused_capacity_to_idle() {
    let (_dir, db) = attributed("idle = \"separate\"\n");
    let areas = totals_by(&db, MONTH, Dimension::Area, CostMeasure::Unblended);
    // The 2 GB of the m5 nobody reserved, 2/52, and the 48 GB of the p3, 48 · 0.1 · 10/178.4.
    let idle = 2.0 / 52.0 + 48.0 * 0.1 * 10.0 / 178.4;
    close(
        &areas,
        &[
            ("(idle)", idle),
            // pod1 without its unused share 4/14 · 2/52.
            ("checkout", 0.229199 - 4.0 / 14.0 * 2.0 / 52.0),
        ],
    );
    assert_eq!(format!("{idle:.6}"), "0.307520");
}

#[test]
fn a_rule_on_the_namespace_tag_names_the_rest() {
    let (dir, db) = attributed("[[rule]]\narea_from_tag = \"aws:eks:namespace\"\n");
    let areas = totals_by(&db, MONTH, Dimension::Area, CostMeasure::Unblended);
    close(
        &areas,
        &[("namespace1", 0.185243), ("checkout", 0.229199), ("ml", 4.322258)],
    );
    assert!(!areas.contains_key("(unmapped)"), "{areas:?}");
    drop(db);
    let path = dir.path().join("test.duckdb");
    let explain = String::from_utf8(
        apportion(&path)
            .args(["explain", "i-0e0000000000000e1"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        explain.contains("namespace1/api") && explain.contains("checkout"),
        "{explain}"
    );
    assert!(explain.contains("namespace1/worker"), "{explain}");
}

#[test]
fn split_check_lists_workloads_and_those_without_an_area() {
    let (dir, db) = attributed("");
    drop(db);
    let path = dir.path().join("test.duckdb");
    for command in ["split-check", "ecs-check"] {
        let out = String::from_utf8(apportion(&path).arg(command).output().unwrap().stdout).unwrap();
        assert!(out.contains("EKS workloads in AWS split rows: 5"), "{out}");
        assert!(
            out.contains("namespace1/worker") && out.contains("1 workload(s) have no area ($0.19)"),
            "{out}"
        );
        assert!(
            !out.contains("event capture gaps"),
            "EKS instances have no events to miss: {out}"
        );
    }
}
