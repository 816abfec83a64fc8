-- The instance-hours of month ?1 (YYYY-MM) both ECS splits cover, on how many instances, and their dollars.
SELECT CAST(COALESCE(sum(hours), 0) AS BIGINT), count(*), COALESCE(sum(cost), 0)
FROM (SELECT instance_id, max(hours) AS hours, sum(events_cost) AS cost FROM ecs_check
      WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND kind = 'both'
      GROUP BY instance_id)
