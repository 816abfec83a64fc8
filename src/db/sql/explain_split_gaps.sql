-- The hours of instance ?2 in month ?1 (YYYY-MM) only one ECS split covers, by kind.
SELECT kind, hours, events_cost + scad_cost
FROM ecs_check
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND instance_id = ?2 AND kind <> 'both'
ORDER BY kind
