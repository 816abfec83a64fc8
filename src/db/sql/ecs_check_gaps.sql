-- The instances of month ?1 (YYYY-MM) with hours only one ECS split covers
-- (kind ?2: scad_only or events_only), costliest first.
SELECT instance_id, hours, COALESCE(strftime(first_hour, '%Y-%m-%d %H:%M'), ''),
       COALESCE(strftime(last_hour, '%Y-%m-%d %H:%M'), ''),
       events_cost + scad_cost
FROM ecs_check
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND kind = ?2
ORDER BY events_cost + scad_cost DESC, hours DESC, instance_id
