-- Groups of a month's unclaimed money that one rule each would claim, for a
-- tagging session whose chase list is long: resources whose names share a
-- stem (the name up to its trailing segments that hold digits: `i-*`,
-- `plover-raw-*`), a tag key the lines carry that is not the area key (a rule
-- `area_from_tag` turns each value into an area), a usage type, an account.
-- Read from direct_open: the pieces no tag or rule claimed, before following
-- and splits. ?1 the month (YYYY-MM), ?2 the area key's spellings as
-- ap_tag_value_in reads them ('productarea,prodarea'); unblended dollars.
WITH open AS (
    SELECT * FROM direct_open
    WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND claimed_by IS NULL
), names AS (
    SELECT CASE WHEN sig_resource_short <> '' THEN sig_resource_short ELSE sig_resource END AS name,
           sum(unblended_cost) AS cost
    FROM open WHERE sig_resource <> '' GROUP BY 1
), stems AS (
    SELECT 'resource' AS kind,
           regexp_replace(name, '([-_./:])[^-_./:]*[0-9][^-_./:]*([-_./:][^-_./:]*[0-9][^-_./:]*)*$', '\1') AS key,
           count(*) AS members, sum(cost) AS cost
    FROM names
    WHERE regexp_matches(name, '[-_./:][^-_./:]*[0-9][^-_./:]*$')
    GROUP BY 2 HAVING count(*) > 1
), tag_keys AS (
    SELECT 'tag' AS kind, arg_max(e.key, cost) AS key, count(DISTINCT e.value) AS members, sum(cost) AS cost
    FROM (SELECT unnest(map_entries(CAST(sig_tags AS MAP(VARCHAR, VARCHAR)))) AS e, unblended_cost AS cost
          FROM open WHERE sig_tags IS NOT NULL)
    WHERE NULLIF(trim(e.value), '') IS NOT NULL
      AND NOT list_contains(string_split(?2, ','), ap_tag_key(e.key))
    GROUP BY ap_tag_key(e.key)
), usage_types AS (
    SELECT 'usage_type' AS kind, sig_usage_type AS key, count(DISTINCT sig_resource) AS members,
           sum(unblended_cost) AS cost
    FROM open WHERE sig_usage_type <> '' GROUP BY 2 HAVING count(DISTINCT sig_resource) > 1
), accounts AS (
    SELECT 'account' AS kind, sig_account AS key, count(DISTINCT sig_resource) AS members,
           sum(unblended_cost) AS cost
    FROM open WHERE sig_account <> '' GROUP BY 2 HAVING count(DISTINCT sig_resource) > 1
)
SELECT kind, key, members, cost
FROM (SELECT * FROM stems UNION ALL SELECT * FROM tag_keys UNION ALL SELECT * FROM usage_types
      UNION ALL SELECT * FROM accounts)
WHERE cost > 0
ORDER BY cost DESC, kind, key
LIMIT 12
