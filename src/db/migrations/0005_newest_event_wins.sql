-- A task is what its newest event says, as a whole: a RUNNING event of
-- version 2 without stoppedAt beats a STOPPED event of version 1, so no field
-- of a task comes from an event older than the one that counts. Ties (the
-- same event delivered twice) break on the event itself, the same every time.
-- Which of two events of a task is newer: its version, then its time, then
-- the event itself (the same order everywhere a task is derived).
CREATE MACRO ap_event_order(version, event_time, stopped_at, started_at, last_status, cpu_units, memory_mb,
                            container_instance_arn, service) AS
    {'version': COALESCE(version, -1), 'time': event_time, 'stopped_at': stopped_at, 'started_at': started_at,
     'status': last_status, 'cpu': cpu_units, 'memory': memory_mb, 'instance': container_instance_arn,
     'service': service};

CREATE VIEW ecs_task_newest AS
SELECT task_arn, e.*
FROM (SELECT task_arn,
             arg_max({'container_instance_arn': container_instance_arn, 'service': service, 'cluster_arn': cluster_arn,
                      'cpu_units': cpu_units, 'memory_mb': memory_mb, 'started_at': started_at, 'stopped_at': stopped_at,
                      'version': version, 'event_time': event_time, 'last_status': last_status},
                     ap_event_order(version, event_time, stopped_at, started_at, last_status, cpu_units, memory_mb,
                                    container_instance_arn, service)) AS e
      FROM ecs_task_events GROUP BY task_arn);

CREATE OR REPLACE VIEW ecs_tasks AS
SELECT t.task_arn, t.container_instance_arn, t.service, t.cluster_arn, t.cpu_units, t.memory_mb,
       t.started_at, t.stopped_at, i.instance_id, i.reg_cpu, i.reg_mem
FROM ecs_task_newest t
LEFT JOIN ecs_instances i ON i.ci_key = regexp_extract(t.container_instance_arn, '([^/]+)$', 1);

-- The product area of an ECS service as attribution and `explain` both see it:
-- an entry for the task's cluster wins over one without, a Terraform entry
-- (file 0) over a CSV one; a service nobody mapped is '(unmapped)'.
CREATE MACRO ap_service_area(svc, cluster_arn) AS COALESCE(
    (SELECT arg_min(m.product_area, {'rank': 2 * (m.cluster IS NULL)::INT + (m.file_id <> 0)::INT, 'area': m.product_area})
     FROM service_map m
     WHERE m.service = svc
       AND (m.cluster IS NULL OR m.cluster = regexp_extract(cluster_arn, '([^/]+)$', 1) OR m.cluster = cluster_arn)),
    '(unmapped)');

-- Tag keys match however an export spells them: CUR 2.0 renames `CostCenter`
-- to `cost_center`, the Athena form `aws:createdBy` to `aws_created_by`. Keys
-- compare by their letters and digits, case ignored.
CREATE MACRO ap_tag_key(k) AS lower(regexp_replace(k, '[^A-Za-z0-9]', '', 'g'));
-- The first non-empty value of a tag in a list of {key (as ap_tag_key), value}.
CREATE MACRO ap_tag_value(entries, k) AS
    list_filter(entries, lambda e: e.key = ap_tag_key(k) AND NULLIF(trim(e.value), '') IS NOT NULL)[1].value;
