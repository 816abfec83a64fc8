-- Per service, the dollars of month ?1 (YYYY-MM) over the instance-hours both
-- ECS splits cover, by task events and by AWS's split; largest difference first.
SELECT service, area, sum(events_cost), sum(scad_cost), sum(events_cost) - sum(scad_cost)
FROM ecs_check
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND kind = 'both'
GROUP BY service, area
ORDER BY abs(sum(events_cost) - sum(scad_cost)) DESC, greatest(sum(events_cost), sum(scad_cost)) DESC, service
