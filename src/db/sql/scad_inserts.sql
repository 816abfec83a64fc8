-- The split cost allocation rows of one billing file (temp table split_rows:
-- billing_period, payer_account, usage_account, task_arn, instance_id,
-- usage_type, usage_start, usage_end, split_cost, unused_cost, split_usage,
-- usage_ratio, reserved, actual, tags, line_count; one row per task, interval
-- and usage type) into scad_splits for the file id bound to `?`: a task's
-- vCPU and memory rows of one interval become one row. Its service and
-- cluster are the ECS-managed tags however the export spells their keys
-- (`aws:ecs:serviceName`, `aws_ecs_service_name`); without a cluster tag, the
-- cluster is the one the task ARN names (`task/CLUSTER/ID`).
INSERT INTO scad_splits
SELECT ?, billing_period, payer_account, usage_account, task_arn, instance_id,
       max(ap_tag_value(entries, 'aws:ecs:serviceName')),
       COALESCE(max(ap_tag_value(entries, 'aws:ecs:clusterName')),
                NULLIF(regexp_extract(task_arn, ':task/([^/]+)/[^/]+$', 1), '')),
       usage_start, usage_end,
       sum(split_cost), sum(unused_cost),
       sum(split_usage) FILTER (WHERE kind = 'vcpu'), sum(usage_ratio) FILTER (WHERE kind = 'vcpu'),
       sum(reserved) FILTER (WHERE kind = 'vcpu'), sum(actual) FILTER (WHERE kind = 'vcpu'),
       sum(split_usage) FILTER (WHERE kind = 'memory'), sum(usage_ratio) FILTER (WHERE kind = 'memory'),
       sum(reserved) FILTER (WHERE kind = 'memory'), sum(actual) FILTER (WHERE kind = 'memory'),
       sum(line_count)
FROM (SELECT *,
             list_transform(map_entries(CAST(tags AS MAP(VARCHAR, VARCHAR))),
                            lambda e: {'key': ap_tag_key(e.key), 'value': e.value}) AS entries,
             CASE WHEN lower(usage_type) LIKE '%vcpu%' THEN 'vcpu'
                  WHEN lower(usage_type) LIKE '%gb%' OR lower(usage_type) LIKE '%memory%' THEN 'memory' END AS kind
      FROM split_rows)
GROUP BY billing_period, payer_account, usage_account, task_arn, instance_id, usage_start, usage_end;
