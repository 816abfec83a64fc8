-- An instance's tasks (or EKS pods) in AWS's split cost allocation data for
-- a month (?1 'YYYY-MM', ?2 the instance id): per service (an EKS pod's
-- NAMESPACE/WORKLOAD) and its area, the tasks and their split and unused
-- cost. A task without the service tag takes the service its events name.
-- An ECS service's area is the service map's; an EKS workload's is the one
-- attribution gave it (the map, its pods' tags or the rules).
WITH rows AS (
    SELECT CASE WHEN s.kind = 'eks' THEN ap_pod_service(s.namespace, s.service)
                ELSE COALESCE(s.service, t.service, '(no service)') END AS svc,
           s.kind, s.cluster, s.billing_period, s.task_arn, s.split_cost, s.unused_cost
    FROM scad_splits s LEFT JOIN ecs_task_spans t ON s.service IS NULL AND t.task_arn = s.task_arn
    WHERE s.billing_period = strptime(?, '%Y-%m')::DATE AND s.instance_id = ?
), grouped AS (
    SELECT svc, kind, cluster, billing_period, count(DISTINCT task_arn) AS tasks,
           sum(split_cost) AS split, sum(unused_cost) AS unused
    FROM rows GROUP BY svc, kind, cluster, billing_period
)
SELECT svc,
       CASE WHEN kind = 'eks'
            THEN COALESCE((SELECT min(a.area) FROM allocations a
                           WHERE a.billing_period = g.billing_period AND a.service = g.svc), '(unmapped)')
            ELSE ap_service_area(svc, cluster) END AS area,
       tasks, split, unused
FROM grouped g
ORDER BY split + unused DESC, 1, 2
