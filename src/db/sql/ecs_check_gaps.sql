-- The instances of month ?1 (YYYY-MM) with hours only one ECS split covers
-- (kind ?2: scad_only or events_only), costliest first. Instances whose
-- split rows are EKS pods' have no task events to miss: they are left out.
SELECT instance_id, hours, COALESCE(strftime(first_hour, '%Y-%m-%d %H:%M'), ''),
       COALESCE(strftime(last_hour, '%Y-%m-%d %H:%M'), ''),
       events_cost + scad_cost
FROM ecs_check
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND kind = ?2
  AND instance_id NOT IN (SELECT instance_id FROM scad_splits
                          WHERE kind = 'eks' AND billing_period = strptime(?1, '%Y-%m')::DATE)
ORDER BY events_cost + scad_cost DESC, hours DESC, instance_id
