//! Migrations run once, in order, and leave the same schema when re-run.

use apportion::db::Db;

#[test]
fn migrations_are_recorded_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.duckdb");
    let first = {
        let db = Db::open(&path).unwrap();
        assert_eq!(db.applied_migrations().unwrap(), (1..=22).collect::<Vec<i64>>());
        db.schema_description().unwrap()
    };
    let db = Db::open(&path).unwrap();
    assert_eq!(db.applied_migrations().unwrap(), (1..=22).collect::<Vec<i64>>());
    assert_eq!(db.schema_description().unwrap(), first);
    insta::assert_snapshot!(first.join("\n"));
}
