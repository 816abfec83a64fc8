-- The split cost allocation rows of one billing file (temp table split_rows:
-- billing_period, payer_account, usage_account, task_arn, instance_id,
-- usage_type, usage_start, usage_end, split_cost, unused_cost, split_usage,
-- usage_ratio, reserved, actual, tags, line_count; one row per task or pod,
-- interval and usage type) into scad_splits for the file id bound to `?`: a
-- task's (pod's) vCPU, memory and accelerator rows of one interval become
-- one row. An ECS task's service and cluster are the ECS-managed tags however
-- the export spells their keys (`aws:ecs:serviceName`, `aws_ecs_service_name`);
-- without a cluster tag, the cluster is the one the task ARN names
-- (`task/CLUSTER/ID`). An EKS pod (`pod/CLUSTER/NAMESPACE/POD/UID`) is its
-- workload (aws:eks:workload-name, else the pod's name), cluster and
-- namespace (the aws:eks tags, else the ARN's), with its tags.
INSERT INTO scad_splits (file_id, billing_period, payer_account, usage_account, task_arn, instance_id, service, cluster,
                         usage_start, usage_end, split_cost, unused_cost, vcpu_split_usage, vcpu_usage_ratio,
                         vcpu_reserved, vcpu_actual, memory_split_usage, memory_usage_ratio, memory_reserved,
                         memory_actual, line_count, kind, namespace, tags)
SELECT ?, billing_period, payer_account, usage_account, task_arn, instance_id,
       CASE WHEN eks THEN COALESCE(max(ap_tag_value(entries, 'aws:eks:workload-name')), ap_pod_name(task_arn))
            ELSE max(ap_tag_value(entries, 'aws:ecs:serviceName')) END,
       CASE WHEN eks THEN COALESCE(max(ap_tag_value(entries, 'aws:eks:cluster-name')), ap_pod_cluster(task_arn))
            ELSE COALESCE(max(ap_tag_value(entries, 'aws:ecs:clusterName')), ap_task_cluster(task_arn)) END,
       usage_start, usage_end,
       sum(split_cost), sum(unused_cost),
       sum(split_usage) FILTER (WHERE kind = 'vcpu'), sum(usage_ratio) FILTER (WHERE kind = 'vcpu'),
       sum(reserved) FILTER (WHERE kind = 'vcpu'), sum(actual) FILTER (WHERE kind = 'vcpu'),
       sum(split_usage) FILTER (WHERE kind = 'memory'), sum(usage_ratio) FILTER (WHERE kind = 'memory'),
       sum(reserved) FILTER (WHERE kind = 'memory'), sum(actual) FILTER (WHERE kind = 'memory'),
       sum(line_count),
       CASE WHEN eks THEN 'eks' ELSE 'ecs' END,
       CASE WHEN eks THEN COALESCE(max(ap_tag_value(entries, 'aws:eks:namespace')), ap_pod_namespace(task_arn)) END,
       CASE WHEN eks THEN min(CAST(tags AS VARCHAR))::JSON END
FROM (SELECT *,
             task_arn LIKE 'arn:%:eks:%:pod/%' AS eks,
             list_transform(map_entries(CAST(tags AS MAP(VARCHAR, VARCHAR))),
                            lambda e: {'key': ap_tag_key(e.key), 'value': e.value}) AS entries,
             CASE WHEN lower(usage_type) LIKE '%vcpu%' THEN 'vcpu'
                  WHEN lower(usage_type) LIKE '%gb%' OR lower(usage_type) LIKE '%memory%' THEN 'memory'
                  WHEN lower(usage_type) LIKE '%accelerator%' THEN 'accelerator' END AS kind
      FROM split_rows)
GROUP BY billing_period, payer_account, usage_account, task_arn, instance_id, usage_start, usage_end, eks;
