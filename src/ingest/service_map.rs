//! The service → product area map as CSV: `service,product_area[,cluster][,namespace]`:
//! ECS services, and EKS workloads (`service` the workload, or `*` with a
//! `namespace` for every workload of it).
//! Small files, checked row by row so a bad row is named by its line.

use std::path::Path;

use super::columns::key;
use super::{IngestError, small_csv};
use crate::db::{ServiceEntryRow, SyncTransaction};

pub fn is_header(names: &[String]) -> bool {
    let keys: Vec<String> = names.iter().map(|n| key(n)).collect();
    keys.iter().any(|k| k == "service")
        && keys.iter().any(|k| k == "productarea")
        && keys
            .iter()
            .all(|k| matches!(k.as_str(), "service" | "productarea" | "cluster" | "namespace"))
}

/// Load the map; a later file's entry for a service replaces earlier ones.
pub fn load(tx: &SyncTransaction<'_>, path: &Path, shown: &str, file_id: i64) -> Result<usize, IngestError> {
    let line_error = |line: u64, message: String| small_csv::line_error(path, line, message);
    let mut csv = small_csv::open(path)?;
    let (service_at, area_at, cluster_at, namespace_at) = (
        csv.column(&["service"]),
        csv.column(&["productarea"]),
        csv.column(&["cluster"]),
        csv.column(&["namespace"]),
    );
    let mut entries = Vec::new();
    for record in csv.reader.records() {
        let record = record.map_err(|e| line_error(small_csv::line_of(&mut csv.lines, e.position()), e.to_string()))?;
        let line = small_csv::line_of(&mut csv.lines, record.position());
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_owned();
        let (service, area, cluster, namespace) = (get(service_at), get(area_at), get(cluster_at), get(namespace_at));
        if service.is_empty() || area.is_empty() {
            return Err(line_error(
                line,
                "a service map row needs both service and product_area".to_owned(),
            ));
        }
        if service == "*" && namespace.is_empty() {
            return Err(line_error(
                line,
                "service `*` maps every workload of a namespace: give the namespace".to_owned(),
            ));
        }
        let given = |s: String| (!s.is_empty()).then_some(s);
        entries.push(ServiceEntryRow {
            service,
            cluster: given(cluster),
            namespace: given(namespace),
            area,
        });
    }
    tx.insert_service_map(file_id, shown, &entries)?;
    Ok(entries.len())
}
