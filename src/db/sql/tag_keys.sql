-- The tag keys of a month's lines as the bill spells them (sync drops the
-- `user:` prefix), each with the lines that carry it with a value, their
-- unblended dollars and its distinct values, largest first: what
-- `coverage --tag-keys` sorts into the area key's spellings and the keys
-- that look like it. ?1 the month (YYYY-MM).
SELECT e.key, count(*) AS lines, sum(cost) AS cost, count(DISTINCT e.value) AS tag_values
FROM (SELECT unnest(map_entries(CAST(tags AS MAP(VARCHAR, VARCHAR)))) AS e, unblended_cost AS cost
      FROM billing_lines
      WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND tags IS NOT NULL)
WHERE NULLIF(trim(e.value), '') IS NOT NULL
GROUP BY e.key
ORDER BY cost DESC, e.key
