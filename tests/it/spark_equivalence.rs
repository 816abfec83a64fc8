//! One attribution, two engines: the same months synced into two databases,
//! attributed once by DuckDB and once on a real Spark Connect server
//! (`--engine spark`'s path: inputs staged as Parquet, results committed with a
//! marker and loaded back), and every row of every result table compared, to
//! the last of its ten decimal places. The months hold DBR and legacy CUR,
//! CUR 2.0 with split cost allocation data, ECS task events and EBS
//! attachments, EKS pods, discounts and commitments, rules with globs and tag
//! patterns and splits of all three kinds; tasks that cross month ends are
//! the property test's (`attribution_props`). Spark keeps its steps as
//! checkpoints, and for one month as files, as a Spark 3.5 server must.

#![cfg(feature = "spark")]

use std::path::{Path, PathBuf};

use apportion::attribute::{Overrides, RulesChoice};
use apportion::db::{Db, Scope};
use apportion::rules::Idle;
use apportion::spark::{Keeping, SparkEngine};

use crate::common::{every_allocation, fixture, sync};

/// The tables a month's attribution writes, each read in one order.
const RESULTS: [(&str, &str); 10] = [
    ("allocations", "SELECT * EXCLUDE (run_id) FROM allocations"),
    ("explore_cells", "SELECT * FROM explore_cells"),
    ("explore_days", "SELECT * FROM explore_days"),
    ("ecs_check", "SELECT * FROM ecs_check"),
    ("direct_base", "SELECT * FROM direct_base"),
    ("direct_open", "SELECT * FROM direct_open"),
    (
        "direct_followers",
        "SELECT * EXCLUDE (follower_id) FROM direct_followers",
    ),
    (
        "rollup_product_area",
        "SELECT * EXCLUDE (run_id) FROM rollup_product_area",
    ),
    (
        "rollup_area_service",
        "SELECT * EXCLUDE (run_id) FROM rollup_area_service",
    ),
    (
        "rollup_area_account",
        "SELECT * EXCLUDE (run_id) FROM rollup_area_account",
    ),
];

/// Rules of every kind (globs, a character class, a tag pattern, an area
/// from a tag) and the invoice fixture's splits, one of each kind.
const RULES: &str = r#"
[[rule]]
area = "platform"
product = "Amazon Simple Storage*"

[[rule]]
area = "shared"
product = "AWS Support*"

[[rule]]
area = "shared"
line_item_type = "Tax"

[[rule]]
area = "storage"
resource = "vol-[0-9]*b"

[[rule]]
area_from_tag = "team"
tags = { env = "prod*" }

[[split]]
from = "shared"
by = "proportional"

[[split]]
from = "(unused commitment)"
to = ["ingest", "query"]
by = "even"

[[split]]
from = "(unallocated)"
by = "fixed"
shares = { pipeline = 75, ingest = 25 }
"#;

/// The same kinds of rules, with splits that name no area (the months of
/// EKS pods, DBR and legacy CUR have other areas than the invoice's).
const RULES_WITHOUT_TARGETS: &str = r#"
[[rule]]
area = "storage"
resource = "vol-*"

[[rule]]
area_from_tag = "team"
tags = { env = "prod*" }

[[split]]
from = "(idle)"
by = "even"

[[split]]
from = "(unallocated)"
by = "proportional"
"#;

/// Every row of every result table, as text, sorted: what the two engines
/// must agree on.
fn results(path: &Path) -> Vec<(String, String)> {
    let conn = duckdb::Connection::open(path).unwrap();
    let mut all = Vec::new();
    for (table, select) in RESULTS {
        let sql = format!("SELECT CAST(r AS VARCHAR) FROM ({select}) r");
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        for row in rows {
            all.push((table.to_string(), row.unwrap()));
        }
    }
    all.sort();
    all
}

/// Attribute every month of the database at `path`, on Spark when given one.
fn attribute(path: &Path, rules: &Path, spark: Option<(apportion::spark::Spark, PathBuf, Keeping)>) {
    let summary = attribute_scope(path, rules, spark, &Scope::All);
    assert!(!summary.periods.is_empty());
}

/// Attribute the months of `scope`, on Spark when given one.
fn attribute_scope(
    path: &Path,
    rules: &Path,
    spark: Option<(apportion::spark::Spark, PathBuf, Keeping)>,
    scope: &Scope,
) -> apportion::db::RunSummary {
    let mut db = Db::open(path).unwrap();
    if let Some((spark, warehouse, keeping)) = spark {
        db.set_engine(Box::new(SparkEngine::new(spark, warehouse).keeping(Some(keeping))));
    }
    let choice = RulesChoice {
        given: Some(rules.to_path_buf()),
        default: rules.to_path_buf(),
    };
    let overrides = Overrides {
        idle: Some(Idle::Separate),
        ..Overrides::default()
    };
    let plan = apportion::attribute::plan(&db, &choice, &overrides).unwrap();
    apportion::attribute::run(&db, &plan, scope, &mut ()).unwrap()
}

/// The same exports in two databases, attributed by each engine (Spark
/// keeping its steps as told), compared.
fn both_engines_agree(exports: &[PathBuf], rules_text: &str, keeping: Keeping) {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, rules_text).unwrap();
    let (here, there) = (dir.path().join("duckdb.duckdb"), dir.path().join("spark.duckdb"));
    for path in [&here, &there] {
        let db = Db::open(path).unwrap();
        sync(&db, exports);
    }
    attribute(&here, &rules, None);
    let warehouse = dir.path().join("warehouse");
    attribute(&there, &rules, Some((spark, warehouse.clone(), keeping)));
    let (expected, got) = (results(&here), results(&there));
    let missing: Vec<_> = expected.iter().filter(|r| !got.contains(r)).collect();
    let extra: Vec<_> = got.iter().filter(|r| !expected.contains(r)).collect();
    let tables = |rows: &[&(String, String)]| {
        let mut t: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
        t.dedup();
        t.join(", ")
    };
    assert!(
        missing.is_empty() && extra.is_empty(),
        "differ in {} / {}\nDuckDB's rows Spark lacks: {:#?}\nSpark's rows DuckDB lacks: {:#?}",
        tables(&missing),
        tables(&extra),
        &missing[..missing.len().min(12)],
        &extra[..extra.len().min(12)]
    );
    assert_eq!(got.len(), expected.len());
    assert!(expected.iter().any(|(t, _)| t == "allocations"));
    // What the engine was given is gone; each month's results stay, committed.
    let part = Db::open(&there).unwrap().warehouse_part(&warehouse).unwrap();
    assert!(!part.join("_staged").join("run=1").exists());
    let months: Vec<_> = std::fs::read_dir(&part)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("month="))
        .collect();
    assert!(!months.is_empty());
    for month in months {
        assert!(month.path().join("run=1").join(apportion::db::COMMITTED).exists());
    }
}

#[test]
fn events_attachments_scad_invoices_and_splits_attribute_alike_on_both_engines() {
    both_engines_agree(
        &[
            fixture("attribution"),
            fixture("scad"),
            fixture("invoice/cur-2026-09.csv"),
        ],
        RULES,
        Keeping::Checkpoints,
    );
}

/// DBR and legacy CUR (blended costs, reservations), apart from the months
/// above so that CI's two test threads share the work evenly (a small month
/// is about 20 s on Spark); their splits name no area, as the invoice's
/// areas are not theirs.
#[test]
fn dbr_and_legacy_cur_attribute_alike_on_both_engines() {
    both_engines_agree(
        &[fixture("dbr/standalone-2026-02.csv"), fixture("cur")],
        RULES_WITHOUT_TARGETS,
        Keeping::Checkpoints,
    );
}

/// EKS pods (split cost allocation data for a cluster's pods). Tasks that
/// cross month ends, with events that arrive late, are held equal on Spark
/// by the property test (`attribution_props`), month by month on Spark
/// against the whole here.
#[test]
fn eks_pods_attribute_alike_on_both_engines() {
    both_engines_agree(&[fixture("eks")], RULES_WITHOUT_TARGETS, Keeping::Checkpoints);
}

/// Rule changes to a database attributed on Spark move only their money,
/// here, from the direct state Spark's results brought back, whether the
/// run was given Spark (`tag assign` on the remembered engine) or no engine
/// (the tagging view): equal to the whole attribution with the same rules,
/// and the database still remembered as attributed on Spark. Its one run on
/// Spark keeps its steps as files, as on a Spark 3.5 server (which has no
/// checkpoints) or for a month too large for them: the statements are the
/// ones the tests above hold equal, only kept another way.
#[test]
fn rule_changes_to_a_spark_database_move_their_money_here() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let mut text = "[[rule]]\narea = \"storage\"\nresource = \"vol-*\"\n".to_owned();
    std::fs::write(&rules, &text).unwrap();
    let (here, there) = (dir.path().join("duckdb.duckdb"), dir.path().join("spark.duckdb"));
    for path in [&here, &there] {
        sync(&Db::open(path).unwrap(), &[fixture("attribution")]);
    }
    let warehouse = dir.path().join("warehouse");
    let on_spark = || Some((spark.new_session().unwrap(), warehouse.clone(), Keeping::Files));
    attribute_scope(&there, &rules, on_spark(), &Scope::All);
    let remembered = || {
        let last = Db::open(&there).unwrap().last_run().unwrap().unwrap();
        (last.engine, last.warehouse)
    };
    let spark_here = ("spark".to_owned(), Some(warehouse.to_string_lossy().into_owned()));
    assert_eq!(remembered(), spark_here);
    let changes = [
        (
            "[[rule]]\narea = \"web\"\nproduct = \"Amazon Simple Storage*\"\n",
            "rule 2 appended",
        ),
        (
            "[[rule]]\narea = \"support\"\nproduct = \"AWS Support*\"\n",
            "rule 3 appended",
        ),
        ("", "rule 3 removed"),
    ];
    for (given_spark, (rule, said)) in [false, true, false].into_iter().zip(changes) {
        text = match rule {
            "" => text[..text.rfind("\n[[rule]]").unwrap() + 1].to_owned(),
            rule => format!("{text}\n{rule}"),
        };
        std::fs::write(&rules, &text).unwrap();
        let spark = if given_spark { on_spark() } else { None };
        let change = attribute_scope(&there, &rules, spark, &Scope::Changed)
            .change
            .unwrap_or_default();
        assert!(
            change.contains(said) && !change.contains("attributed again"),
            "{change}"
        );
        assert_eq!(remembered(), spark_here, "after {said}");
        attribute(&here, &rules, None);
        let (there_now, here_now) = (Db::open(&there).unwrap(), Db::open(&here).unwrap());
        assert_eq!(
            every_allocation(&there_now),
            every_allocation(&here_now),
            "after {said}"
        );
    }
    // Only the first run went to Spark.
    let part = Db::open(&there).unwrap().warehouse_part(&warehouse).unwrap();
    let runs: Vec<_> = std::fs::read_dir(part.join("month=2026-07")).unwrap().collect();
    assert_eq!(runs.len(), 1);
}
