//! The engine seam's dialect (src/db/dialect.rs), one case per difference:
//! each fragment, spelled for DuckDB and for Spark, gives the values written
//! here on DuckDB always, and on a real Spark Connect server when the tests
//! are built with `--features spark` and one answers (spark_server.rs).
//! Every column is returned as text, so decimals compare digit for digit.

use apportion::db::dialect::{Dialect, glob_regex};

struct Case {
    name: &'static str,
    /// The query, as each engine is given it (statements before the last are run first).
    sql: fn(Dialect) -> Vec<String>,
    expected: &'static [&'static [&'static str]],
}

fn one(sql: String) -> Vec<String> {
    vec![sql]
}

/// A literal list of tag entries {key, value} as `d` spells it (empty: typed).
fn tag_list(d: Dialect, entries: &[(&str, &str)]) -> String {
    let items: Vec<String> = entries
        .iter()
        .map(|(k, v)| d.record(&[("key", &format!("'{k}'")), ("value", &format!("'{v}'"))]))
        .collect();
    match (d, items.is_empty()) {
        (Dialect::DuckDb, true) => "CAST([] AS STRUCT(key VARCHAR, value VARCHAR)[])".to_string(),
        (Dialect::Spark, true) => "CAST(array() AS ARRAY<STRUCT<key: STRING, value: STRING>>)".to_string(),
        (Dialect::DuckDb, false) => format!("[{}]", items.join(", ")),
        (Dialect::Spark, false) => format!("array({})", items.join(", ")),
    }
}

/// The doubles that Spark's own CAST(double AS DECIMAL) rounds differently from DuckDB's.
const DOUBLES: &str = "(VALUES (1, '-31.027263436549998'), (2, '88.78401735565'), (3, '70.83476816665'), \
                       (4, '2.00000000005'), (5, '-2.00000000005'), (6, '123456.78901234567')) AS v(i, x)";

const CASES: &[Case] = &[
    Case {
        name: "max_by and min_by over a record key (ties broken by the record's second field)",
        sql: |d| {
            let key = d.record(&[("cost", "c"), ("text", "t")]);
            one(format!(
                "SELECT {}, {} FROM (VALUES ('a', 1.5, 'x'), ('b', 2.5, 'a'), ('c', 2.5, 'b')) AS x(v, c, t)",
                d.max_by("v", &key),
                d.min_by("v", &key)
            ))
        },
        expected: &[&["c", "a"]],
    },
    Case {
        name: "decimal_of_double at 10 places, as DuckDB rounds",
        sql: |d| {
            one(format!(
                "SELECT CAST({} AS STRING) FROM {DOUBLES} ORDER BY i",
                d.decimal_of_double("CAST(x AS DOUBLE)", 10)
            ))
        },
        expected: &[
            &["-31.0272634366"],
            &["88.7840173556"],
            &["70.8347681666"],
            &["2.0000000001"],
            &["-2.0000000001"],
            &["123456.7890123457"],
        ],
    },
    Case {
        name: "decimal_of_double at 18 places (shares)",
        sql: |d| {
            one(format!(
                "SELECT CAST({} AS STRING) FROM (VALUES (1, '1'), (2, '2'), (3, '0.7')) AS v(i, x) ORDER BY i",
                d.decimal_of_double("CAST(x AS DOUBLE) / 3", 18)
            ))
        },
        expected: &[
            &["0.333333333333333312"],
            &["0.666666666666666624"],
            &["0.233333333333333312"],
        ],
    },
    Case {
        name: "seconds_between to the microsecond",
        sql: |d| {
            one(format!(
                "SELECT CAST({} AS STRING)",
                d.seconds_between("TIMESTAMP '2026-09-01 00:00:00'", "TIMESTAMP '2026-09-01 01:30:00.5'")
            ))
        },
        expected: &[&["5400.5"]],
    },
    Case {
        name: "hours (end exclusive, empty when the end is not past the first hour) and each_of",
        sql: |d| {
            one(format!(
                "SELECT CAST(id AS STRING), CAST(hour AS STRING) \
                 FROM (VALUES (1, TIMESTAMP '2026-09-01 00:30:00', TIMESTAMP '2026-09-01 03:00:00'), \
                              (2, TIMESTAMP '2026-09-01 00:30:00', TIMESTAMP '2026-09-01 00:45:00'), \
                              (3, TIMESTAMP '2026-09-01 01:00:00', TIMESTAMP '2026-09-01 01:00:00')) AS t(id, s, u){} \
                 ORDER BY id, hour",
                d.each_of(&d.hours("t.s", "t.u"), "h", "hour")
            ))
        },
        expected: &[
            &["1", "2026-09-01 00:00:00"],
            &["1", "2026-09-01 01:00:00"],
            &["1", "2026-09-01 02:00:00"],
            &["2", "2026-09-01 00:00:00"],
        ],
    },
    Case {
        name: "text_map of a JSON tag object",
        sql: |d| {
            // (The tags column is JSON in DuckDB's tables and text in Spark's Parquet.)
            let column = if d == Dialect::DuckDb { "CAST(j AS JSON)" } else { "j" };
            one(format!(
                "SELECT {m}['b'], CAST({m}['missing'] IS NULL AS STRING) FROM (VALUES ('{{\"a\":\"1\",\"b\":\"x y\"}}')) AS x(j)",
                m = d.text_map(column)
            ))
        },
        expected: &[&["x y", "true"]],
    },
    Case {
        name: "filter and transform with a lambda",
        sql: |d| {
            // (A list literal is spelled differently too; the attribution's lists come from its tables.)
            let list = if d == Dialect::DuckDb {
                "[1, 2, 3]"
            } else {
                "array(1, 2, 3)"
            };
            one(format!(
                "SELECT CAST({} AS STRING)",
                d.transform(&d.filter(list, "e", "e > 1"), "e", "e * 10")
            ))
        },
        expected: &[&["[20, 30]"]],
    },
    Case {
        name: "replace_all replaces every match",
        sql: |d| {
            one(format!(
                "SELECT {}",
                d.replace_all("'Product-Area_x'", "'[^A-Za-z0-9]'", "''")
            ))
        },
        expected: &[&["ProductAreax"]],
    },
    Case {
        name: "glob, as GLOB and as RLIKE of glob_regex",
        sql: |d| {
            let rows = [
                ("i-0abc", "i-*"),
                ("x.y", "x?y"),
                ("ab", "[!a]b"),
                ("xy", "x.y"),
                ("a.b", "a.b"),
                ("team(a)", "team(*)"),
            ];
            let tests: Vec<String> = rows
                .iter()
                .map(|(text, glob)| {
                    let regex = format!("r'{}'", glob_regex(glob));
                    format!(
                        "CAST({} AS STRING)",
                        d.glob(&format!("'{text}'"), &format!("'{glob}'"), &regex)
                    )
                })
                .collect();
            one(format!("SELECT {}", tests.join(", ")))
        },
        expected: &[&["true", "true", "false", "false", "true", "true"]],
    },
    Case {
        name: "the engine functions' decimals and seconds",
        sql: |_| {
            one(format!(
                "SELECT CAST(ap_money_of(CAST(x AS DOUBLE)) AS STRING), CAST(ap_share_of(CAST(x AS DOUBLE) / 1000) AS STRING), \
                        CAST(ap_weight_of(CAST(x AS DOUBLE)) AS STRING), \
                        CAST(ap_seconds(TIMESTAMP '2026-09-01 00:00:00', TIMESTAMP '2026-09-01 00:00:01.25') AS STRING) \
                 FROM {DOUBLES} WHERE i IN (2, 3) ORDER BY i"
            ))
        },
        expected: &[
            &["88.7840173556", "0.088784017355649984", "88.784017356", "1.25"],
            &["70.8347681666", "0.070834768166649992", "70.834768167", "1.25"],
        ],
    },
    Case {
        name: "the engine functions' tags, charges and container ids",
        sql: |d| {
            let blank_first = tag_list(d, &[("productarea", " "), ("prodarea", "web")]);
            let both = tag_list(d, &[("prodarea", "web"), ("productarea", "api")]);
            let empty = tag_list(d, &[]);
            let pod = "'arn:aws:eks:us-east-1:111:pod/prod/shop/cart-7d9/uid-1'";
            one(format!(
                "SELECT ap_tag_key('Product-Area'), ap_tag_value({blank_first}, 'Prod Area'), \
                        ap_tag_value_in({blank_first}, 'productarea,prodarea'), ap_tag_value_in({both}, 'productarea,prodarea'), \
                        CAST(ap_tag_value({empty}, 'x') IS NULL AS STRING), \
                        ap_charge('SavingsPlanNegation', 'AmazonEC2') || ',' || ap_charge('BundledDiscount', 'x') || ',' \
                            || ap_charge(NULL, 'Tax') || ',' || ap_charge('Tax', 'AWS') || ',' || ap_charge('Weird', 'x'), \
                        ap_pod_cluster({pod}) || ',' || ap_pod_namespace({pod}) || ',' || ap_pod_name({pod}), \
                        ap_task_cluster('arn:aws:ecs:us-east-1:111:task/main/abc'), ap_pod_service('shop', 'cart'), \
                        CAST(ap_pod_cluster('i-123') IS NULL AS STRING)"
            ))
        },
        expected: &[&[
            "productarea",
            "web",
            "web",
            "api",
            "true",
            "commitment,discount,tax,tax,other",
            "prod,shop,cart-7d9",
            "main",
            "shop/cart",
            "true",
        ]],
    },
    Case {
        name: "the engine functions over the service map (SERVICE_MAP)",
        sql: |_| {
            one(
                "SELECT ap_service_area('checkout', 'arn:aws:ecs:us-east-1:111:cluster/main'), \
                        ap_service_area('checkout', 'other'), ap_service_area('nope', NULL), \
                        ap_workload_area('scorer', 'analytics', 'ml'), ap_workload_area('other', 'analytics', 'x'), \
                        CAST(ap_workload_area('other', 'web', 'x') IS NULL AS STRING)"
                    .to_string(),
            )
        },
        expected: &[&["shop-main", "shop-tf", "(unmapped)", "ml-team", "data", "true"]],
    },
    Case {
        name: "ap_container_area: a Fargate task's or pod's own line by the service map (SERVICE_MAP)",
        sql: |d| {
            let ecs = tag_list(d, &[("awsecsservicename", "checkout"), ("awsecsclustername", "main")]);
            let none = tag_list(d, &[]);
            // (Kept first, as attribute.sql keeps a signature's entries.)
            let mut sql = d.keep(
                "pods",
                &format!(
                    "SELECT 1 AS i, {ecs} AS entries, 'arn:aws:ecs:us-east-1:111:task/main/abc' AS resource \
                     UNION ALL SELECT 2, {none}, 'arn:aws:eks:us-east-1:111:pod/ml/analytics/scorer-abc/uid-1' \
                     UNION ALL SELECT 3, {none}, 'i-123'"
                ),
            );
            sql.push("SELECT COALESCE(ap_container_area(entries, resource), 'NULL') FROM pods ORDER BY i".to_string());
            sql
        },
        expected: &[&["shop-main"], &["data"], &["NULL"]],
    },
    Case {
        name: "the attribution's tag placeholders (tag_entries, some_tag_has_a_value, latest_tags, costliest_tags)",
        sql: |d| {
            let fill = |name: &str| d.placeholders().into_iter().find(|(n, _)| *n == name).unwrap().1;
            let tags = if d == Dialect::DuckDb { "CAST(j AS JSON)" } else { "j" };
            let mut sql = d.keep(
                "ptags",
                &format!(
                    "SELECT {tags} AS tags, CAST(s AS TIMESTAMP) AS usage_start, c AS split_cost, 0 AS unused_cost \
                     FROM (VALUES ('{{\"Product-Area\":\"web\",\"Owner\":\"\"}}', '2026-09-01 01:00:00', 2.0), \
                                  ('{{\"Product-Area\":\"api\"}}', '2026-09-01 02:00:00', 1.0), \
                                  ('{{\"Owner\":\" \"}}', '2026-09-01 00:00:00', 0.5)) AS v(j, s, c)"
                ),
            );
            // (As attribute.sql does: the entries a column first, then read by the functions;
            // Spark refuses a SQL function whose argument is written with a lambda in it.)
            sql.extend(d.keep(
                "ptag_entries",
                &format!(
                    "SELECT usage_start, {} AS entries, {} AS has_value FROM ptags",
                    fill("tag_entries"),
                    fill("some_tag_has_a_value")
                ),
            ));
            sql.push(format!(
                "SELECT COALESCE(ap_tag_value_in(entries, 'productarea'), 'NULL'), CAST(has_value AS STRING), \
                        (SELECT CAST({} AS STRING) FROM ptags), (SELECT CAST({} AS STRING) FROM ptags) \
                 FROM ptag_entries ORDER BY usage_start",
                fill("latest_tags"),
                fill("costliest_tags")
            ));
            sql
        },
        expected: &[
            &[
                "NULL",
                "false",
                r#"{"Product-Area":"api"}"#,
                r#"{"Product-Area":"web","Owner":""}"#,
            ],
            &[
                "web",
                "true",
                r#"{"Product-Area":"api"}"#,
                r#"{"Product-Area":"web","Owner":""}"#,
            ],
            &[
                "api",
                "true",
                r#"{"Product-Area":"api"}"#,
                r#"{"Product-Area":"web","Owner":""}"#,
            ],
        ],
    },
    Case {
        name: "identifier: an export's column name, a quote of each kind inside",
        sql: |d| {
            let c = d.identifier("a`b\"c");
            one(format!("SELECT {c} FROM (SELECT 'v' AS {c}) AS x"))
        },
        expected: &[&["v"]],
    },
    Case {
        name: "day_text of a timestamp",
        sql: |d| one(format!("SELECT {}", d.day_text("TIMESTAMP '2026-09-01 23:59:59.5'"))),
        expected: &[&["2026-09-01"]],
    },
    Case {
        name: "json_field of JSON text (NULL when not JSON, absent or empty)",
        sql: |d| {
            one(format!(
                "SELECT COALESCE({}, 'NULL') FROM (VALUES (1, '{{\"product_name\":\"EC2\"}}'), (2, 'not json'), \
                 (3, '{{\"other\":\"x\"}}'), (4, '{{\"product_name\":\"\"}}')) AS t(i, j) ORDER BY i",
                d.json_field("j", "product_name")
            ))
        },
        expected: &[&["EC2"], &["NULL"], &["NULL"], &["NULL"]],
    },
    Case {
        name: "json_text of a nested column (Spark's reader has written it as JSON text already)",
        sql: |d| {
            let column = match d {
                Dialect::DuckDb => "MAP {'a': '1'}",
                Dialect::Spark => "to_json(map('a', '1'))",
            };
            one(format!("SELECT {}", d.json_text(column)))
        },
        expected: &[&["{\"a\":\"1\"}"]],
    },
    Case {
        name: "whole_row_key: an md5 of every column's text, NULLs left out",
        sql: |d| {
            one(format!(
                "SELECT {} FROM (SELECT 'a' AS x, CAST(NULL AS STRING) AS y, 'b' AS z) AS t",
                d.whole_row_key()
            ))
        },
        expected: &[&["d0726241020676b14aa6298ce6a18b21"]],
    },
    Case {
        name: "the parsing functions of a load's first stage, on an export's text",
        sql: |_| {
            one(
                "SELECT CAST(ap_text('') IS NULL AS STRING), ap_text('x'), \
                        CAST(ap_money('1.0E-5') AS STRING), CAST(ap_money('12.345678901249') AS STRING), \
                        CAST(ap_money('0.00000000005') AS STRING), CAST(ap_money('-0.00000000005') AS STRING), \
                        CAST(ap_number('2.5') AS STRING), \
                        CAST(ap_time('2026-09-01 00:00:00+00') AS STRING), CAST(ap_time('2026-09-01T01:02:03Z') AS STRING), \
                        CAST(ap_time('2026-09-01 01:02:03.5') AS STRING), \
                        ap_short_id('arn:aws:ec2:us-east-1:1:instance/i-1'), ap_short_id('vol-1')"
                    .to_string(),
            )
        },
        expected: &[&[
            "true",
            "x",
            "0.0000100000",
            "12.3456789012",
            "0.0000000001",
            "-0.0000000001",
            "2.5",
            "2026-09-01 00:00:00",
            "2026-09-01 01:02:03",
            "2026-09-01 01:02:03.5",
            "i-1",
            "vol-1",
        ]],
    },
    Case {
        name: "keep: a result kept for the statements after it",
        sql: |d| {
            let mut sql = d.keep("dialect_kept", "SELECT 41 AS n");
            sql.extend(d.keep("dialect_kept", "SELECT n + 1 AS n FROM (SELECT 41 AS n)"));
            sql.push("SELECT CAST(n AS STRING) FROM dialect_kept".to_string());
            sql
        },
        expected: &[&["42"]],
    },
];

fn duck_rows(conn: &duckdb::Connection, statements: &[String]) -> Vec<Vec<String>> {
    let (last, before) = statements.split_last().unwrap();
    for s in before {
        conn.execute_batch(s).unwrap_or_else(|e| panic!("DuckDB: {s}: {e}"));
    }
    let mut stmt = conn.prepare(last).unwrap_or_else(|e| panic!("DuckDB: {last}: {e}"));
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        let n = row.as_ref().column_count();
        out.push((0..n).map(|i| row.get::<_, String>(i).unwrap()).collect());
    }
    out
}

fn expected(case: &Case) -> Vec<Vec<String>> {
    case.expected
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// The service map the functions that read it look in: the same rows for both engines.
const SERVICE_MAP: &str = "SELECT * FROM (VALUES ('checkout', NULL, NULL, 'shop', 1), ('checkout', 'main', NULL, 'shop-main', 1), \
     ('checkout', NULL, NULL, 'shop-tf', 0), ('*', NULL, 'analytics', 'data', 1), ('scorer', 'ml', 'analytics', 'ml-team', 1)) \
     AS t(service, cluster, namespace, product_area, file_id)";

/// DuckDB's engine functions, as migrations 1 and 17 to 20 define them, and the service map.
fn duck_functions() -> Vec<String> {
    let mut statements = vec![format!("CREATE TABLE service_map AS {SERVICE_MAP}")];
    statements.extend(duck_migrations());
    statements
}

fn duck_migrations() -> Vec<String> {
    // Migration 1's parsing macros, without its tables.
    let parsing = statements(include_str!("../../src/db/migrations/0001_billing.sql"))
        .into_iter()
        .filter(|s| s.starts_with("CREATE MACRO"));
    let later = [
        include_str!("../../src/db/migrations/0017_engine_functions.sql"),
        include_str!("../../src/db/migrations/0018_engine_functions_one_source.sql"),
        include_str!("../../src/db/migrations/0019_service_map_functions.sql"),
        include_str!("../../src/db/migrations/0020_container_area.sql"),
    ]
    .iter()
    .flat_map(|m| statements(m));
    parsing.chain(later).collect()
}

/// A migration's statements, comment lines left out.
fn statements(migration: &str) -> Vec<String> {
    let code: Vec<&str> = migration
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    code.join("\n")
        .split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_fragment_gives_its_values_on_duckdb() {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for statement in duck_functions() {
        conn.execute_batch(&statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    for case in CASES {
        assert_eq!(
            duck_rows(&conn, &(case.sql)(Dialect::DuckDb)),
            expected(case),
            "DuckDB: {}",
            case.name
        );
    }
}

#[cfg(feature = "spark")]
#[test]
fn every_fragment_gives_the_same_values_on_spark() {
    let Some(spark) = crate::spark_server::session() else {
        return;
    };
    for statement in Dialect::Spark.keep("service_map", SERVICE_MAP) {
        spark.run(&statement).unwrap();
    }
    spark.define_table_functions().unwrap();
    for case in CASES {
        let statements = (case.sql)(Dialect::Spark);
        let (last, before) = statements.split_last().unwrap();
        for s in before {
            spark.run(s).unwrap_or_else(|e| panic!("Spark: {s}: {e:#}"));
        }
        let rows: Vec<Vec<String>> = spark
            .rows(last)
            .unwrap_or_else(|e| panic!("Spark: {last}: {e:#}"))
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_else(|| "NULL".into())).collect())
            .collect();
        assert_eq!(rows, expected(case), "Spark: {}", case.name);
    }
}

#[cfg(not(feature = "spark"))]
#[test]
fn every_fragment_gives_the_same_values_on_spark() {
    crate::spark_server::without_feature();
}
