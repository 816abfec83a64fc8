-- Every tag carried by the lines of resource ?2 (id as billed, or its short form) in month ?1 (YYYY-MM).
SELECT DISTINCT e.key, e.value
FROM (SELECT unnest(map_entries(CAST(tags AS MAP(VARCHAR, VARCHAR)))) AS e FROM billing_lines
      WHERE billing_period = strptime(?1, '%Y-%m')::DATE
        AND (resource_id = ?2 OR resource_short = ?2))
WHERE e.value IS NOT NULL
ORDER BY ALL
