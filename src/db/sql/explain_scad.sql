-- An instance's tasks in AWS's split cost allocation data for a month (?1
-- 'YYYY-MM', ?2 the instance id): per service and its area, the tasks and
-- their split and unused cost. A task without the service tag takes the
-- service its events name.
SELECT COALESCE(s.service, t.service, '(no service)') AS svc,
       ap_service_area(COALESCE(s.service, t.service, '(no service)'), s.cluster),
       count(DISTINCT s.task_arn), sum(s.split_cost), sum(s.unused_cost)
FROM scad_splits s LEFT JOIN ecs_task_spans t ON s.service IS NULL AND t.task_arn = s.task_arn
WHERE s.billing_period = strptime(?, '%Y-%m')::DATE AND s.instance_id = ?
GROUP BY 1, 2 ORDER BY sum(s.split_cost + s.unused_cost) DESC, 1, 2
