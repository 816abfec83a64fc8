//! The engine functions: what the shared statements call by name, each
//! engine defining it from the one source here. DuckDB's are macros of
//! migrations 1 and 17 to 20 (a unit test holds each macro's last definition
//! equal to the DuckDB spelling); Spark's are a session's temporary functions.

use super::Dialect;

/// A function the shared statements call by name, defined by each engine:
/// DuckDB's as a macro of a migration (the last that defines it), Spark's as a session's temporary
/// function (`spark_functions`).
pub struct EngineFunction {
    pub name: &'static str,
    /// Parameters with their Spark types (DuckDB's macros are untyped).
    pub params: &'static [(&'static str, &'static str)],
    pub returns: &'static str,
    pub body: fn(Dialect) -> String,
    /// Whether the body reads the service map: Spark resolves a function's
    /// tables when it is defined, so those come after the month's inputs.
    pub reads_tables: bool,
}

/// A tag key as keys compare: its letters and digits, lower case (CUR 2.0
/// writes `CostCenter` as `cost_center`, Athena `aws:createdBy` as `aws_created_by`).
pub(crate) fn tag_key(d: Dialect, key: &str) -> String {
    format!("lower({})", d.replace_all(key, "'[^A-Za-z0-9]'", "''"))
}

/// The first non-empty value of tag `key` (any spelling ap_tag_key folds
/// together) in `entries`. (Spark calls no SQL function inside a lambda, so
/// the key is spelled out.)
fn tag_value(d: Dialect, entries: &str, key: &str) -> String {
    let test = format!("e.key = {} AND NULLIF(trim(e.value), '') IS NOT NULL", tag_key(d, key));
    format!("{}.value", d.first(&d.filter(entries, "e", &test)))
}

/// The product area of an ECS service as attribution and `explain` both see
/// it: an entry for the task's cluster wins over one without, a Terraform
/// entry (file 0) over a CSV one; a service nobody mapped is '(unmapped)'.
fn service_area(d: Dialect, svc: &str, cluster_arn: &str) -> String {
    let rank = d.record(&[
        (
            "rank",
            "2 * CAST(m.cluster IS NULL AS INT) + CAST(m.file_id <> 0 AS INT)",
        ),
        ("area", "m.product_area"),
    ]);
    format!(
        "COALESCE((SELECT {} FROM service_map m WHERE m.service = {svc} \
         AND (m.cluster IS NULL OR m.cluster = regexp_extract({cluster_arn}, '([^/]+)$', 1) OR m.cluster = {cluster_arn})), \
         '(unmapped)')",
        d.min_by("m.product_area", &rank)
    )
}

/// The area the service map gives an EKS workload, NULL when none: the most
/// specific entry wins (the workload named over '*', a cluster given over
/// none, a namespace given over none, a Terraform entry over a CSV one).
fn workload_area(d: Dialect, workload: &str, ns: &str, cluster_name: &str) -> String {
    let rank = d.record(&[
        (
            "rank",
            "4 * CAST(m.service = '*' AS INT) + 2 * CAST(m.cluster IS NULL AS INT) + CAST(m.namespace IS NULL AS INT)",
        ),
        ("tf", "CAST(m.file_id <> 0 AS INT)"),
        ("area", "m.product_area"),
    ]);
    format!(
        "(SELECT {} FROM service_map m \
         WHERE (m.service = {workload} OR (m.service = '*' AND m.namespace IS NOT NULL)) \
         AND (m.namespace IS NULL OR m.namespace = {ns}) AND (m.cluster IS NULL OR m.cluster = {cluster_name}))",
        d.min_by("m.product_area", &rank)
    )
}

/// A Fargate task's or pod's own line (its resource the task or pod ARN) by
/// the service map: the ECS service (aws:ecs:serviceName, of its cluster) or
/// the EKS workload (aws:eks:workload-name, else the pod's name, in its
/// namespace and cluster). NULL when the map has no entry. The lookups are
/// written out, not called: Spark refuses a SQL function whose argument holds
/// a lambda, as a tag value does.
fn container_area(d: Dialect) -> String {
    let tag = |key: &str| tag_value(d, "entries", &format!("'{key}'"));
    format!(
        "CASE WHEN resource LIKE 'arn:%:ecs:%:task/%' AND {svc} IS NOT NULL \
         THEN NULLIF({ecs}, '(unmapped)') \
         WHEN resource LIKE 'arn:%:eks:%:pod/%' THEN {eks} END",
        svc = tag("aws:ecs:serviceName"),
        ecs = service_area(
            d,
            &tag("aws:ecs:serviceName"),
            &format!("COALESCE({}, ap_task_cluster(resource))", tag("aws:ecs:clusterName"))
        ),
        eks = workload_area(
            d,
            &format!("COALESCE({}, ap_pod_name(resource))", tag("aws:eks:workload-name")),
            &format!("COALESCE({}, ap_pod_namespace(resource))", tag("aws:eks:namespace")),
            &format!("COALESCE({}, ap_pod_cluster(resource))", tag("aws:eks:cluster-name"))
        ),
    )
}

/// A line's tags as the functions take them: {key (as ap_tag_key writes it), value}.
const TAG_ENTRIES: &str = "ARRAY<STRUCT<key: STRING, value: STRING>>";

/// A line's kind of charge, from its line type as CUR (lineItem/LineItemType),
/// DBR (RecordType) and FOCUS (ChargeCategory) write it.
const CHARGE: &str = "CASE \
    WHEN line_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'LineItem') THEN 'usage' \
    WHEN line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation', 'RIFee', 'Purchase') \
        THEN 'commitment' \
    WHEN line_type LIKE '%Discount' THEN 'discount' \
    WHEN line_type = 'Credit' THEN 'credit' \
    WHEN line_type IN ('Refund', 'Adjustment') THEN 'refund' \
    WHEN line_type = 'Tax' OR product = 'Tax' THEN 'tax' \
    WHEN line_type = 'Fee' THEN 'fee' \
    WHEN line_type IS NULL THEN 'usage' \
    ELSE 'other' END";

/// An export's value as text, empty text as NULL, inside the parsing
/// functions: their own `ap_text` in DuckDB, spelled out in Spark (whose
/// reader of an export gives every column as text).
fn export_text(d: Dialect) -> &'static str {
    match d {
        Dialect::DuckDb => "ap_text(x)",
        Dialect::Spark => "NULLIF(x, '')",
    }
}

/// The functions migrations 1 and 17 to 20 define for DuckDB and `spark_functions` for Spark.
pub const ENGINE_FUNCTIONS: &[EngineFunction] = &[
    // Parsing an export's values (stage one of a load, ExportRows): empty
    // text is NULL; a value that does not parse is an error.
    EngineFunction {
        name: "ap_text",
        params: &[("x", "STRING")],
        returns: "STRING",
        body: |d| match d {
            Dialect::DuckDb => "NULLIF(CAST(x AS VARCHAR), '')".to_string(),
            Dialect::Spark => "NULLIF(CAST(x AS STRING), '')".to_string(),
        },
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_money",
        params: &[("x", "STRING")],
        returns: "DECIMAL(38, 10)",
        body: |d| format!("COALESCE(CAST({} AS DECIMAL(38, 10)), 0)", export_text(d)),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_number",
        params: &[("x", "STRING")],
        returns: "DOUBLE",
        body: |d| format!("CAST({} AS DOUBLE)", export_text(d)),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_time",
        params: &[("x", "STRING")],
        returns: "TIMESTAMP",
        body: |d| format!("CAST({} AS TIMESTAMP)", export_text(d)),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_short_id",
        params: &[("x", "STRING")],
        returns: "STRING",
        body: |d| {
            let arn = match d {
                Dialect::DuckDb => "starts_with(x, 'arn:')",
                Dialect::Spark => "startswith(x, 'arn:')",
            };
            format!("CASE WHEN {arn} THEN regexp_extract(x, '([^/:]*)$', 1) ELSE x END")
        },
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_weight_of",
        params: &[("x", "DOUBLE")],
        returns: "DECIMAL(38, 9)",
        body: |d| d.decimal_of_double("x", 9),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_money_of",
        params: &[("x", "DOUBLE")],
        returns: "DECIMAL(38, 10)",
        body: |d| d.decimal_of_double("x", 10),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_share_of",
        params: &[("x", "DOUBLE")],
        returns: "DECIMAL(38, 18)",
        body: |d| d.decimal_of_double("x", 18),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_tag_key",
        params: &[("k", "STRING")],
        returns: "STRING",
        body: |d| tag_key(d, "k"),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_tag_value",
        params: &[("entries", TAG_ENTRIES), ("k", "STRING")],
        returns: "STRING",
        body: |d| tag_value(d, "entries", "k"),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_tag_value_in",
        params: &[("entries", TAG_ENTRIES), ("ks", "STRING")],
        returns: "STRING",
        body: |d| {
            let found = d.filter(
                "entries",
                "e",
                "array_contains(split(ks, ','), e.key) AND NULLIF(trim(e.value), '') IS NOT NULL",
            );
            let ranked = d.transform(
                &found,
                "e",
                &d.record(&[("at", "array_position(split(ks, ','), e.key)"), ("value", "e.value")]),
            );
            format!("{}.value", d.first(&format!("array_sort({ranked})")))
        },
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_charge",
        params: &[("line_type", "STRING"), ("product", "STRING")],
        returns: "STRING",
        body: |_| CHARGE.to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_pod_cluster",
        params: &[("arn", "STRING")],
        returns: "STRING",
        body: |_| "NULLIF(regexp_extract(arn, ':pod/([^/]+)/', 1), '')".to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_pod_namespace",
        params: &[("arn", "STRING")],
        returns: "STRING",
        body: |_| "NULLIF(regexp_extract(arn, ':pod/[^/]+/([^/]+)/', 1), '')".to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_pod_name",
        params: &[("arn", "STRING")],
        returns: "STRING",
        body: |_| "NULLIF(regexp_extract(arn, ':pod/[^/]+/[^/]+/([^/]+)', 1), '')".to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_task_cluster",
        params: &[("arn", "STRING")],
        returns: "STRING",
        body: |_| "NULLIF(regexp_extract(arn, ':task/([^/]+)/[^/]+$', 1), '')".to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_pod_service",
        params: &[("ns", "STRING"), ("workload", "STRING")],
        returns: "STRING",
        body: |_| "COALESCE(ns, '') || '/' || workload".to_string(),
        reads_tables: false,
    },
    EngineFunction {
        name: "ap_service_area",
        params: &[("svc", "STRING"), ("cluster_arn", "STRING")],
        returns: "STRING",
        body: |d| service_area(d, "svc", "cluster_arn"),
        reads_tables: true,
    },
    EngineFunction {
        name: "ap_workload_area",
        params: &[("workload", "STRING"), ("ns", "STRING"), ("cluster_name", "STRING")],
        returns: "STRING",
        body: |d| workload_area(d, "workload", "ns", "cluster_name"),
        reads_tables: true,
    },
    EngineFunction {
        name: "ap_container_area",
        params: &[("entries", TAG_ENTRIES), ("resource", "STRING")],
        returns: "STRING",
        body: container_area,
        reads_tables: true,
    },
    EngineFunction {
        name: "ap_seconds",
        params: &[("t0", "TIMESTAMP"), ("t1", "TIMESTAMP")],
        returns: "DOUBLE",
        body: |d| d.seconds_between("t0", "t1"),
        reads_tables: false,
    },
];

/// The statements that define the engine functions in a Spark session: those
/// that read no table (`tables` false, at connect), or those that read the
/// service map (`tables` true, once the month's inputs are views).
pub fn spark_functions(tables: bool) -> Vec<String> {
    ENGINE_FUNCTIONS
        .iter()
        .filter(|f| f.reads_tables == tables)
        .map(|f| {
            let params: Vec<String> = f.params.iter().map(|(n, t)| format!("{n} {t}")).collect();
            format!(
                "CREATE OR REPLACE TEMPORARY FUNCTION {}({}) RETURNS {} RETURN {}",
                f.name,
                params.join(", "),
                f.returns,
                (f.body)(Dialect::Spark)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duckdb_defines_each_engine_function_as_the_dialect_spells_it() {
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let migrations = squeeze(
            &crate::db::migrations::MIGRATIONS
                .iter()
                .flat_map(|(_, _, m)| m.lines().filter(|l| !l.trim_start().starts_with("--")))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        for f in ENGINE_FUNCTIONS {
            let params: Vec<&str> = f.params.iter().map(|(n, _)| *n).collect();
            let head = format!(" MACRO {}({}) AS ", f.name, params.join(", "));
            let last = migrations
                .rfind(&head)
                .unwrap_or_else(|| panic!("no migration defines {}", f.name));
            let body = &migrations[last + head.len()..];
            let body = &body[..body.find(';').unwrap()];
            assert_eq!(
                body,
                squeeze(&(f.body)(Dialect::DuckDb)),
                "{}: its last migration differs from the dialect",
                f.name
            );
        }
        let spark = spark_functions(false);
        assert_eq!(spark.len() + spark_functions(true).len(), ENGINE_FUNCTIONS.len());
        assert!(spark.iter().any(|s| {
            s.starts_with("CREATE OR REPLACE TEMPORARY FUNCTION ap_money_of(x DOUBLE) RETURNS DECIMAL(38, 10)")
        }));
    }
}
