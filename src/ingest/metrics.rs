//! Business metrics CSV: `month,metric,value` or `date,metric,value`, with an
//! optional `area` column. Daily rows are summed into their month.

use std::collections::BTreeMap;
use std::path::Path;

use super::columns::key;
use super::diagnose::is_number;
use super::{IngestError, small_csv};
use crate::db::SyncTransaction;

pub fn is_header(names: &[String]) -> bool {
    let keys: Vec<String> = names.iter().map(|n| key(n)).collect();
    let has = |k: &str| keys.iter().any(|x| x == k);
    (has("month") || has("date"))
        && has("metric")
        && has("value")
        && keys.iter().all(|k| {
            matches!(
                k.as_str(),
                "month" | "date" | "metric" | "value" | "area" | "productarea"
            )
        })
}

pub fn load(tx: &SyncTransaction<'_>, path: &Path, file_id: i64) -> Result<usize, IngestError> {
    let line_error = |line: u64, message: String| small_csv::line_error(path, line, message);
    let mut csv = small_csv::open(path)?;
    let (month_at, date_at) = (csv.column(&["month"]), csv.column(&["date"]));
    let (metric_at, value_at, area_at) = (
        csv.column(&["metric"]),
        csv.column(&["value"]),
        csv.column(&["area", "productarea"]),
    );
    let mut sums: BTreeMap<(String, String, Option<String>), f64> = BTreeMap::new();
    for record in csv.reader.records() {
        let record = record.map_err(|e| line_error(small_csv::line_of(&mut csv.lines, e.position()), e.to_string()))?;
        let line = small_csv::line_of(&mut csv.lines, record.position());
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_owned();
        let when = if month_at.is_some() {
            get(month_at)
        } else {
            get(date_at)
        };
        let month = month_of(&when)
            .ok_or_else(|| line_error(line, format!("{when:?} is not a month (YYYY-MM) or date (YYYY-MM-DD)")))?;
        let metric = get(metric_at);
        if metric.is_empty() {
            return Err(line_error(line, "the metric name is empty".to_owned()));
        }
        let raw = get(value_at);
        if !is_number(&raw) {
            return Err(line_error(line, format!("value {raw:?} is not a number")));
        }
        let area = Some(get(area_at)).filter(|a| !a.is_empty());
        *sums.entry((month, metric, area)).or_insert(0.0) += raw.parse::<f64>().unwrap_or(0.0);
    }
    let rows: Vec<(String, String, Option<String>, f64)> =
        sums.into_iter().map(|((m, k, a), v)| (m, k, a, v)).collect();
    tx.insert_metrics(file_id, &rows)?;
    Ok(rows.len())
}

/// `2026-09` or `2026-09-14` → `2026-09-01`.
fn month_of(text: &str) -> Option<String> {
    let month = text.get(..7)?;
    let ok = month.as_bytes().get(4) == Some(&b'-')
        && month[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(month[5..].parse::<u32>(), Ok(1..=12));
    let rest_ok = text.len() == 7 || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
    (ok && rest_ok).then(|| format!("{month}-01"))
}
