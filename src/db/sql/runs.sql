-- Every attribution run, oldest first, with the months it attributed and what it was attributed with.
SELECT run_id, strftime(started_at, '%Y-%m-%d %H:%M:%S'), idle, weight, tag_key, rule_count, periods,
       COALESCE(rules_path, ''), COALESCE(rules_hash, ''), COALESCE(ecs_source, 'auto'), change,
       COALESCE(engine, 'duckdb'), warehouse
FROM attribution_runs
ORDER BY run_id
