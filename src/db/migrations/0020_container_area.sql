-- A Fargate task's or pod's own line by the service map, defined again from
-- db/dialect/functions.rs with the tag values and lookups written out (not
-- called): Spark refuses a SQL function whose argument holds a lambda, as a
-- tag value does. The same results; a unit test holds this equal to the
-- dialect's DuckDB spelling.
CREATE OR REPLACE MACRO ap_container_area(entries, resource) AS CASE
    WHEN resource LIKE 'arn:%:ecs:%:task/%' AND (filter(entries, lambda e: e.key = lower(regexp_replace('aws:ecs:serviceName', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value IS NOT NULL
    THEN NULLIF(COALESCE((SELECT arg_min(m.product_area, {'rank': 2 * CAST(m.cluster IS NULL AS INT) + CAST(m.file_id <> 0 AS INT), 'area': m.product_area})
    FROM service_map m
    WHERE m.service = (filter(entries, lambda e: e.key = lower(regexp_replace('aws:ecs:serviceName', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value
    AND (m.cluster IS NULL OR m.cluster = regexp_extract(COALESCE((filter(entries, lambda e: e.key = lower(regexp_replace('aws:ecs:clusterName', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value, ap_task_cluster(resource)), '([^/]+)$', 1)
    OR m.cluster = COALESCE((filter(entries, lambda e: e.key = lower(regexp_replace('aws:ecs:clusterName', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value, ap_task_cluster(resource)))), '(unmapped)'), '(unmapped)')
    WHEN resource LIKE 'arn:%:eks:%:pod/%'
    THEN (SELECT arg_min(m.product_area, {'rank': 4 * CAST(m.service = '*' AS INT) + 2 * CAST(m.cluster IS NULL AS INT) + CAST(m.namespace IS NULL AS INT), 'tf': CAST(m.file_id <> 0 AS INT), 'area': m.product_area})
    FROM service_map m
    WHERE (m.service = COALESCE((filter(entries, lambda e: e.key = lower(regexp_replace('aws:eks:workload-name', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value, ap_pod_name(resource)) OR (m.service = '*' AND m.namespace IS NOT NULL))
    AND (m.namespace IS NULL OR m.namespace = COALESCE((filter(entries, lambda e: e.key = lower(regexp_replace('aws:eks:namespace', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value, ap_pod_namespace(resource)))
    AND (m.cluster IS NULL
    OR m.cluster = COALESCE((filter(entries, lambda e: e.key = lower(regexp_replace('aws:eks:cluster-name', '[^A-Za-z0-9]', '', 'g')) AND NULLIF(trim(e.value), '') IS NOT NULL))[1].value, ap_pod_cluster(resource))))
    END;
