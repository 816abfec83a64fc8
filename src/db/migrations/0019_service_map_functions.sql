-- The service map's lookups defined again from db/dialect.rs's
-- ENGINE_FUNCTIONS (Spark defines them once a month's inputs are views):
-- the same results, in spellings both engines share (CAST(... AS INT) for
-- ::INT). A unit test holds each macro equal to the dialect's DuckDB spelling.
CREATE OR REPLACE MACRO ap_service_area(svc, cluster_arn) AS
    COALESCE((SELECT arg_min(m.product_area, {'rank': 2 * CAST(m.cluster IS NULL AS INT) + CAST(m.file_id <> 0 AS INT),
                                              'area': m.product_area})
              FROM service_map m WHERE m.service = svc
              AND (m.cluster IS NULL OR m.cluster = regexp_extract(cluster_arn, '([^/]+)$', 1) OR m.cluster = cluster_arn)),
             '(unmapped)');
CREATE OR REPLACE MACRO ap_workload_area(workload, ns, cluster_name) AS
    (SELECT arg_min(m.product_area, {'rank': 4 * CAST(m.service = '*' AS INT) + 2 * CAST(m.cluster IS NULL AS INT)
                                             + CAST(m.namespace IS NULL AS INT),
                                     'tf': CAST(m.file_id <> 0 AS INT), 'area': m.product_area})
     FROM service_map m
     WHERE (m.service = workload OR (m.service = '*' AND m.namespace IS NOT NULL))
     AND (m.namespace IS NULL OR m.namespace = ns) AND (m.cluster IS NULL OR m.cluster = cluster_name));
