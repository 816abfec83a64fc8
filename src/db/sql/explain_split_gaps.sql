-- The hours of instance ?2 in month ?1 (YYYY-MM) only one ECS split covers,
-- by kind; none for an instance of EKS pods, which have no task events to miss.
SELECT kind, hours, events_cost + scad_cost
FROM ecs_check
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND instance_id = ?2 AND kind <> 'both'
  AND NOT EXISTS (SELECT 1 FROM scad_splits
                  WHERE kind = 'eks' AND instance_id = ?2 AND billing_period = strptime(?1, '%Y-%m')::DATE)
ORDER BY kind
