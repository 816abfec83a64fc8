-- The ECS services whose tasks ran on instance ?3 in month ?1 (= ?2): their
-- product area (the lookup attribution uses), tasks and CPU-seconds.
WITH m AS (SELECT strptime(?, '%Y-%m') AS s, strptime(?, '%Y-%m') + INTERVAL 1 MONTH AS e)
SELECT COALESCE(t.service, ''), ap_service_area(t.service, t.cluster_arn) AS area,
       count(DISTINCT t.task_arn),
       sum(COALESCE(t.cpu_units, 0) * epoch(least(m.e, COALESCE(t.stopped_at, m.e)) - greatest(m.s, t.started_at)))
FROM ecs_tasks t CROSS JOIN m
WHERE t.instance_id = ? AND least(m.e, COALESCE(t.stopped_at, m.e)) > greatest(m.s, t.started_at)
GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2
