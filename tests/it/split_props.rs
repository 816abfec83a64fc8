//! Properties of the whole-invoice attribution over generated bills: usage,
//! discounts, credits, tax and support, shared out by generated [[split]]s.
//! Money is conserved in every measure, and splits that do not touch each
//! other's areas give the same result in any file order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use apportion::attribute::{Overrides, run_rules};
use apportion::db::{CostMeasure, Db, Dimension, ExportFormat, FocusVersion};
use apportion::rules::Rules;
use proptest::prelude::*;

use crate::common::*;

const PRODUCTS: [&str; 4] = ["AmazonEC2", "AmazonS3", "AWSSupportBusiness", "AmazonCloudWatch"];
const TAGS: [&str; 4] = ["", "alpha", "beta", "gamma"];
const LINE_TYPES: [&str; 5] = ["Usage", "Usage", "Credit", "EdpDiscount", "Tax"];
/// Areas a split may share out: two booked by rules, one nobody claims.
const POOLS: [&str; 3] = ["shared", "ops", "(unallocated)"];
const TARGETS: [&str; 3] = ["alpha", "beta", "gamma"];

#[derive(Debug, Clone)]
struct Line {
    product: usize,
    tag: usize,
    line_type: usize,
    account: u8,
    resource: usize,
    micros: u32,
}

#[derive(Debug, Clone)]
struct SplitSpec {
    pool: usize,
    by: usize,
    to: Vec<usize>,
}

fn line() -> impl Strategy<Value = Line> {
    (0usize..4, 0usize..4, 0usize..5, 1u8..3, 0usize..6, 1u32..9_000_000).prop_map(
        |(product, tag, line_type, account, resource, micros)| Line {
            product,
            tag,
            line_type,
            account,
            resource,
            micros,
        },
    )
}

/// Up to three splits with distinct pools: independent of one another.
fn splits() -> impl Strategy<Value = Vec<SplitSpec>> {
    let spec = (0usize..3, proptest::collection::btree_set(0usize..3, 0..3));
    proptest::collection::vec(spec, 0..4).prop_map(|specs| {
        let mut seen = std::collections::BTreeSet::new();
        specs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| seen.insert(i % 3))
            .map(|(i, (by, to))| SplitSpec {
                pool: i % 3,
                by,
                to: to.into_iter().collect(),
            })
            .collect()
    })
}

fn write_bill(lines: &[Line], path: &std::path::Path) -> i128 {
    let mut cur = String::from(
        "bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/BlendedCost,resourceTags/user:product_area\n",
    );
    // One tagged usage line per target, larger than every credit the lines
    // can add up to, so every target has positive direct cost.
    let mut total: i128 = 0;
    for (i, target) in TARGETS.iter().enumerate() {
        writeln!(
            cur,
            "2026-06-01T00:00:00Z,1,1,Usage,2026-06-01T00:00:00Z,2026-06-02T00:00:00Z,AmazonEC2,base-{i},1000.000000,1000.000000,{target}"
        )
        .unwrap();
        total += 1_000_000_000;
    }
    for l in lines {
        let line_type = LINE_TYPES[l.line_type];
        let sign = if matches!(line_type, "Credit" | "EdpDiscount") {
            "-"
        } else {
            ""
        };
        let resource = if line_type == "Usage" || l.resource % 2 == 0 {
            format!("r{}", l.resource)
        } else {
            String::new()
        };
        let cost = format!("{sign}{}.{:06}", l.micros / 1_000_000, l.micros % 1_000_000);
        writeln!(
            cur,
            "2026-06-01T00:00:00Z,1,{},{line_type},2026-06-01T00:00:00Z,2026-06-02T00:00:00Z,{},{resource},{cost},{cost},{}",
            l.account,
            PRODUCTS[l.product],
            TAGS[l.tag]
        )
        .unwrap();
        total += if sign.is_empty() { 1 } else { -1 } * l.micros as i128;
    }
    std::fs::write(path, cur).unwrap();
    total
}

fn rules_text(splits: &[SplitSpec]) -> String {
    let mut text = String::from(
        "[[rule]]\narea = \"shared\"\nproduct = \"AWSSupport*\"\n\n[[rule]]\narea = \"ops\"\nproduct = \"AmazonCloudWatch\"\n",
    );
    for s in splits {
        let by = ["proportional", "even", "fixed"][s.by];
        write!(text, "\n[[split]]\nfrom = {:?}\nby = \"{by}\"\n", POOLS[s.pool]).unwrap();
        if by == "fixed" {
            // Shares that add up to 100 exactly: the rest to the last target.
            let targets: Vec<usize> = if s.to.is_empty() { vec![0] } else { s.to.clone() };
            let each = 100 / targets.len();
            let shares: Vec<String> = targets
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let share = if i + 1 == targets.len() {
                        100 - each * (targets.len() - 1)
                    } else {
                        each
                    };
                    format!("{} = {share}", TARGETS[*t])
                })
                .collect();
            writeln!(text, "shares = {{ {} }}", shares.join(", ")).unwrap();
        } else if !s.to.is_empty() {
            let to: Vec<String> = s.to.iter().map(|t| format!("{:?}", TARGETS[*t])).collect();
            writeln!(text, "to = [{}]", to.join(", ")).unwrap();
        }
    }
    text
}

fn attribute(db: &Db, text: &str) {
    let rules = Rules::parse(text, "rules.toml").unwrap();
    run_rules(db, &rules, text, &Overrides::default()).unwrap();
}

fn by_area(db: &Db, measure: CostMeasure) -> BTreeMap<String, i128> {
    db.cost_report("2026-06", &[Dimension::Area], measure)
        .unwrap()
        .into_iter()
        .map(|r| (r.keys[0].clone(), r.cost.units()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn splits_conserve_money_and_do_not_depend_on_file_order(
        lines in proptest::collection::vec(line(), 1..30),
        specs in splits(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let total = write_bill(&lines, &dir.path().join("cur.csv"));
        let (_d, db) = temp_db();
        sync(&db, &[dir.path().to_path_buf()]);
        attribute(&db, &rules_text(&specs));
        let first: Vec<BTreeMap<String, i128>> =
            [CostMeasure::Unblended, CostMeasure::Amortized, CostMeasure::Blended].map(|m| by_area(&db, m)).into();
        for areas in &first {
            prop_assert_eq!(areas.values().sum::<i128>(), total * 10_000);
        }
        // The month exported as FOCUS sums back to the same areas, billed and effective.
        let exported = dir.path().join("month.parquet");
        db.export_month("2026-06", ExportFormat::Parquet, FocusVersion::V1_2, &exported).unwrap();
        let conn = duckdb::Connection::open_in_memory().unwrap();
        for (column, areas) in [("BilledCost", &first[0]), ("EffectiveCost", &first[1])] {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT x_ProductArea, CAST(sum({column}) * 10000000000 AS HUGEINT) FROM '{}' GROUP BY 1",
                    exported.display()
                ))
                .unwrap();
            let sums: BTreeMap<String, i128> = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i128>(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .filter(|(_, v)| *v != 0)
                .collect();
            // To the cent: a row is its line's share rounded to 10 decimals.
            for (area, want) in areas.iter().filter(|(_, v)| **v != 0) {
                let got = sums.get(area).copied().unwrap_or(0);
                prop_assert!((got - want).abs() < 50_000_000, "{} of {}: {} vs {}", column, area, got, want);
            }
            prop_assert!(sums.keys().all(|k| areas.contains_key(k)), "{:?}", sums);
        }
        // A split's pool is empty afterwards unless no target had direct cost.
        for s in &specs {
            let left = first[0].get(POOLS[s.pool]).copied().unwrap_or(0);
            prop_assert_eq!(left, 0, "{} keeps money", POOLS[s.pool]);
        }
        // The same splits in the opposite order give the same areas, exactly.
        let mut reversed = specs.clone();
        reversed.reverse();
        attribute(&db, &rules_text(&reversed));
        for (i, m) in [CostMeasure::Unblended, CostMeasure::Amortized, CostMeasure::Blended].into_iter().enumerate() {
            prop_assert_eq!(&by_area(&db, m), &first[i]);
        }
    }
}
