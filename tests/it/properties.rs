//! Properties over generated input: every generated dollar arrives, groups add
//! up to the month, and no byte soup makes sync panic.

use crate::generated::DbrMonth;
use apportion::db::{CostMeasure, Dimension};
use apportion::ingest::sync_paths;
use proptest::prelude::*;

use crate::common::*;

/// Exact decimal text to units of 10⁻¹⁰ dollars.
fn units(text: &str) -> i128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let negative = whole.starts_with('-');
    let whole: i128 = whole.trim_start_matches('-').parse().unwrap_or(0);
    let frac: i128 = format!("{frac:0<10}")[..10].parse().unwrap();
    let v = whole * 10_000_000_000 + frac;
    if negative { -v } else { v }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn every_generated_dollar_is_synced_and_groups_add_up(
        seed in 0u64..1_000_000,
        lines in 744usize..3000,
        accounts in 1usize..4,
        month in 1u32..=12,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let spec = DbrMonth {
            year: 2025,
            month,
            payer: "123123123123".to_owned(),
            linked: (0..accounts).map(|i| format!("99999999999{i}")).collect(),
            target_lines: lines,
            seed,
            final_invoice: seed % 2 == 0,
            search_growth: 1.0 + (seed % 3) as f64,
        };
        let path = dir.path().join(spec.file_name());
        let written = spec.write(&mut std::fs::File::create(&path).unwrap()).unwrap();
        let (_d, db) = temp_db();
        sync(&db, &[path]);
        let month = format!("2025-{month:02}");
        let total = units(&month_total_text(&db, &month, CostMeasure::Unblended));
        prop_assert_eq!(total, written.total as i128 * 100);
        for dim in [Dimension::Product, Dimension::Account, Dimension::Resource, Dimension::UsageType] {
            let rows = db.cost_report(&month, &[dim], CostMeasure::Unblended).unwrap();
            let sum: i128 = rows.iter().map(|r| units(&r.cost.decimal())).sum();
            prop_assert_eq!(sum, total, "groups by {:?} do not add up", dim);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), name in "[a-z]{1,8}\\.(csv|gz|json|bin)") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(&name), &bytes).unwrap();
        let (_d, db) = temp_db();
        let _ = sync_paths(&db, &[dir.path().to_path_buf()], &mut ());
    }

    #[test]
    fn mangled_exports_never_panic_and_never_half_load(cut in 1usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let mut text = std::fs::read(fixture("cur/legacy-2026-04.csv")).unwrap();
        let cut = cut.min(text.len());
        text.truncate(cut);
        if let Some(b) = text.get_mut(flip) { *b = byte; }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cur.csv"), &text).unwrap();
        let (_d, db) = temp_db();
        sync(&db, &[fixture("dbr/consolidated-2026-03.csv")]);
        if sync_paths(&db, &[dir.path().to_path_buf()], &mut ()).is_err() {
            prop_assert_eq!(db.periods().unwrap(), vec!["2026-03".to_owned()]);
            prop_assert_eq!(month_total_text(&db, "2026-03", CostMeasure::Unblended), "107.6937100000");
        }
    }
}
