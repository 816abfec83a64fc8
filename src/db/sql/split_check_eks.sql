-- EKS workloads in month ?1's split cost allocation data (YYYY-MM): per
-- workload (NAMESPACE/WORKLOAD) and cluster, its pods, the instances and
-- instance-hours its pods ran in, their split and unused cost, and the area
-- the latest attribution gave it ('(unmapped)' when none), costliest first.
WITH pods AS (
    SELECT ap_pod_service(namespace, COALESCE(service, '')) AS workload, COALESCE(cluster, '') AS cluster,
           billing_period, task_arn, instance_id, usage_start, split_cost, unused_cost
    FROM scad_splits
    WHERE kind = 'eks' AND billing_period = strptime(?1, '%Y-%m')::DATE
), grouped AS (
    SELECT workload, cluster, billing_period, count(DISTINCT task_arn) AS pods,
           count(DISTINCT instance_id) AS instances, count(DISTINCT (instance_id, usage_start)) AS hours,
           sum(split_cost) AS split, sum(unused_cost) AS unused
    FROM pods GROUP BY workload, cluster, billing_period
)
SELECT workload, cluster, pods, instances, hours, split, unused,
       COALESCE((SELECT min(a.area) FROM allocations a
                 WHERE a.billing_period = g.billing_period AND a.service = g.workload), '(unmapped)')
FROM grouped g
ORDER BY split + unused DESC, workload, cluster
