-- Attribution of one billing period's lines to product areas, as one batch
-- of set-based statements, from its input tables to the rows the reports and
-- the explorer read. Steps: 1. EBS merge (a volume's attached fraction moves
-- to its instance), 2. ECS split (an instance piece is divided among the
-- services whose tasks ran on it, by the tasks' events or by AWS's split cost
-- allocation data), 3.–5. tag, rules, unallocated, for pieces nobody ran on;
-- then money is rounded so every sum is exact, and the month's allocations,
-- explorer tables, rollups and ECS cross-check are replaced or appended.
--
-- Placeholders, filled by db (db/sql.rs) before it runs: {method_*}, the
-- method names of db/method.rs as SQL literals ('tag', 'rule:' ...);
-- rule_match, the condition under which a staged rule r matches a line
-- signature g, built from the rule vocabulary (rules::MATCHERS); and what
-- DuckDB and Spark spell differently (db/dialect.rs): row_id, a fresh id per
-- row; line_id, a billing line's id; no_ids, an empty list of split numbers;
-- tag_entries, a line's tags as {key, value} entries; some_tag_has_a_value;
-- latest_tags and costliest_tags, a group's tag set; sig_tag_matches and
-- line_tag_matches, a tag pattern against a signature's or a line's tags; task_hours,
-- window_hours and scad_hours, a row repeated for each hour it spans.
--
-- Inputs besides the database's tables, as temp tables:
--   attr_month    (run_id BIGINT, period DATE)              the run and the month
--   attr_settings (tag_key VARCHAR, idle VARCHAR, cpu_w DOUBLE, mem_w DOUBLE, ecs_source VARCHAR,
--                  tag_keys VARCHAR: the area key's spellings, 'productarea,prodarea')
--   attr_rules    (n, area, area_from_tag, area_from_keys VARCHAR, then one glob column per matcher:
--                  product, usage_type, operation, account, region, resource, line_item_type)
--   attr_rule_tags (n, key, keys VARCHAR, pattern)
--   (each glob and pattern with a `_re` column beside it: the same glob as
--   the regex Spark matches, dialect::glob_regex; DuckDB reads the glob)
-- To run it by hand: `duckdb apportion.duckdb`, create those four (e.g.
--   CREATE TEMP TABLE attr_month AS SELECT 999 AS run_id, DATE '2026-09-01' AS period;
--   CREATE TEMP TABLE attr_settings AS SELECT 'product_area' AS tag_key, 'spread' AS idle, 1.0 AS cpu_w, 0.0 AS mem_w,
--       'auto' AS ecs_source, 'productarea' AS tag_keys;
--   CREATE TEMP TABLE attr_rules (n BIGINT, area VARCHAR, area_from_tag VARCHAR, area_from_keys VARCHAR,
--       product VARCHAR, usage_type VARCHAR, operation VARCHAR, account VARCHAR, region VARCHAR, resource VARCHAR,
--       line_item_type VARCHAR);
--   CREATE TEMP TABLE attr_rule_tags (n BIGINT, key VARCHAR, keys VARCHAR, pattern VARCHAR);
-- ), fill the placeholders, then `.read` the result.

-- The month's lines; a line is identified by its row in billing_lines.
CREATE OR REPLACE TEMP TABLE a_lines AS
SELECT {line_id} AS line_id, billing_period, usage_account, line_type, product_name, product_code, usage_type,
       operation, region, resource_id, resource_short, usage_start, usage_end, tags,
       unblended_cost, amortized_cost, blended_cost, net_amortized_cost
FROM billing_lines WHERE billing_period = (SELECT period FROM attr_month);

-- The hours the month's instance and volume lines span: tasks and
-- attachments matter only inside them (an open-ended task ends here).
CREATE OR REPLACE TEMP TABLE a_range AS
SELECT min(usage_start) AS lo, max(usage_end) AS hi FROM a_lines
WHERE resource_short LIKE 'i-%' OR resource_short LIKE 'vol-%';

-- Each placed task with its load: its share of the instance's capacity.
CREATE OR REPLACE TEMP TABLE a_tasks AS
SELECT t.task_arn, t.service, t.cluster_arn, t.started_at,
       COALESCE(t.stopped_at, TIMESTAMP '9999-12-31 23:59:59') AS stopped_at, t.instance_id,
       s.cpu_w * COALESCE(t.cpu_units, 0) / COALESCE(NULLIF(t.reg_cpu, 0), 1024)
     + s.mem_w * COALESCE(t.memory_mb, 0) / COALESCE(NULLIF(t.reg_mem, 0), 4096) AS load
FROM ecs_tasks t CROSS JOIN attr_settings s CROSS JOIN a_range r
WHERE t.started_at IS NOT NULL AND t.instance_id IS NOT NULL
  AND t.started_at < r.hi AND COALESCE(t.stopped_at, TIMESTAMP '9999-12-31 23:59:59') > r.lo;

-- AWS's split cost allocation data for the month: per ECS task and interval,
-- the task's share of its parent instance (split cost) and of the capacity no
-- task reserved (unused cost). Weights for dividing that instance's line,
-- never money of their own. A task without the aws:ecs:serviceName tag takes
-- the service its events name, if any.
CREATE OR REPLACE TEMP TABLE a_scad AS
SELECT s.instance_id, s.task_arn,
       CASE WHEN s.kind = 'eks' THEN ap_pod_service(s.namespace, s.service)
            ELSE COALESCE(s.service, t.service, '(no service)') END AS service,
       s.cluster AS cluster_arn, COALESCE(s.kind, 'ecs') AS kind, s.namespace, s.service AS workload, s.tags,
       s.usage_account AS account,
       s.usage_start, s.usage_end, greatest(s.split_cost, 0) AS split_cost, greatest(s.unused_cost, 0) AS unused_cost
FROM scad_splits s
LEFT JOIN ecs_task_spans t ON s.service IS NULL AND t.task_arn = s.task_arn
WHERE s.billing_period = (SELECT period FROM attr_month) AND s.usage_end > s.usage_start;

-- EKS workloads (service NAMESPACE/WORKLOAD) are judged as a line would be,
-- from what their pods say: a signature per workload, its tags those of its
-- costliest pod row of the month (imported Kubernetes labels among them); a
-- rule's `resource` matches NAMESPACE/WORKLOAD, its `product` AmazonEKS.
CREATE OR REPLACE TEMP TABLE a_pod_sig AS
SELECT {row_id} AS sig_id, *
FROM (SELECT service, cluster_arn, any_value(workload) AS workload, any_value(namespace) AS namespace,
             'AmazonEKS' AS product, 'AmazonEKS' AS product_code, '' AS usage_type, 'EKSPod-EC2' AS operation,
             min(account) AS account, '' AS region, service AS resource, any_value(workload) AS resource_short,
             'Usage' AS line_type,
             {costliest_tags} AS tags
      FROM a_scad WHERE kind = 'eks'
      GROUP BY service, cluster_arn);

{pod_rules}

-- Service → area, the one lookup `explain` uses too. An ECS service by the
-- service map; an EKS workload by the service map (the workload, or `*` of
-- its namespace), else its pods' area tag, else the rules.
CREATE OR REPLACE TEMP TABLE a_services AS
SELECT service, cluster_arn, ap_service_area(service, cluster_arn) AS area
FROM (SELECT DISTINCT service, cluster_arn FROM a_tasks
      UNION SELECT DISTINCT service, cluster_arn FROM a_scad WHERE kind = 'ecs')
UNION ALL
SELECT g.service, g.cluster_arn,
       COALESCE(ap_workload_area(g.workload, g.namespace, g.cluster_arn), trim(ap_tag_value_in(t.entries, s.tag_keys)),
                r.area, '(unmapped)')
FROM a_pod_sig g LEFT JOIN a_pod_sig_tags t USING (sig_id) LEFT JOIN a_pod_sig_rule r USING (sig_id)
CROSS JOIN attr_settings s;

-- 1. EBS merge: the overlapping fraction of a volume line moves to the instance.
CREATE OR REPLACE TEMP TABLE a_merge AS
SELECT b.line_id AS line_id, a.instance_id,
       greatest(b.usage_start, a.att_start) AS p_start,
       least(b.usage_end, a.att_end) AS p_end,
       ap_share_of(ap_seconds(greatest(b.usage_start, a.att_start), least(b.usage_end, a.att_end))
                   / ap_seconds(b.usage_start, b.usage_end)) AS frac
FROM a_lines b JOIN ebs_attachments a ON a.volume_id = b.resource_short
WHERE b.resource_short LIKE 'vol-%' AND b.usage_end > b.usage_start
  AND least(b.usage_end, a.att_end) > greatest(b.usage_start, a.att_start);

-- Pieces: merged parts (owned by their instance) and the rest of every line.
-- A line can hold two pieces for one instance (detached and attached again
-- within the hour), so each piece gets its own id.
CREATE OR REPLACE TEMP TABLE a_pieces AS
SELECT {row_id} AS piece_id, *
FROM (SELECT line_id, instance_id AS owner, p_start, p_end,
             CAST(frac AS DOUBLE) / CAST(greatest(1, sum(frac) OVER (PARTITION BY line_id)) AS DOUBLE) AS frac,
             instance_id AS merged
      FROM a_merge
      UNION ALL
      SELECT b.line_id, CASE WHEN b.resource_short LIKE 'i-%' THEN b.resource_short END,
             b.usage_start, b.usage_end, 1 - COALESCE(m.f, 0), NULL
      FROM a_lines b
      LEFT JOIN (SELECT line_id, least(1, sum(frac)) AS f FROM a_merge GROUP BY line_id) m ON m.line_id = b.line_id
      WHERE COALESCE(m.f, 0) < 1);

-- 2. ECS split: CPU-seconds (or the chosen weight) of the tasks that ran on the
-- owner instance. Pieces and tasks meet hour by hour, so the join stays
-- proportional to the data instead of pieces × tasks per instance.
CREATE OR REPLACE TEMP TABLE a_task_hours AS
SELECT t.*, u.hour
FROM (SELECT a.*, least(a.stopped_at, r.hi) AS until, greatest(a.started_at, r.lo) AS since
      FROM a_tasks a CROSS JOIN a_range r) t{task_hours}
WHERE t.load > 0;

-- Windows: an instance over an interval. The pieces of one window (the
-- instance's own line for the hour and the volume parts merged into it) are
-- split alike, so the split is computed once per window.
CREATE OR REPLACE TEMP TABLE a_windows AS
SELECT {row_id} AS window_id, owner, p_start, p_end
FROM (SELECT DISTINCT owner, p_start, p_end FROM a_pieces WHERE owner IS NOT NULL AND p_end > p_start);

CREATE OR REPLACE TEMP TABLE a_window_hours AS
SELECT w.window_id, w.owner, w.p_start, w.p_end, u.hour
FROM a_windows w{window_hours};

CREATE OR REPLACE TEMP TABLE a_ecs AS
SELECT p.window_id, t.service, t.cluster_arn,
       sum(ap_weight_of(t.load * ap_seconds(greatest(p.p_start, t.started_at, p.hour),
                                            least(p.p_end, t.stopped_at, p.hour + INTERVAL 1 HOUR)))) AS w,
       any_value(ap_seconds(p.p_start, p.p_end)) AS len
FROM a_window_hours p JOIN a_task_hours t ON t.instance_id = p.owner AND t.hour = p.hour
WHERE least(p.p_end, t.stopped_at, p.hour + INTERVAL 1 HOUR) > greatest(p.p_start, t.started_at, p.hour)
GROUP BY p.window_id, t.service, t.cluster_arn;

-- Shares are decimals, so their sums (and the idle remainder) do not depend
-- on the order a parallel aggregate adds them in: the same input always gives
-- the same cents.
CREATE OR REPLACE TEMP TABLE a_event_split AS
SELECT window_id, service, cluster_arn,
       ap_share_of(CASE WHEN idle = 'separate' THEN CAST(used AS DOUBLE) / CAST(greatest(1, sum(used) OVER win) AS DOUBLE)
                        ELSE CAST(w AS DOUBLE) / CAST(sum(w) OVER win AS DOUBLE) END) AS share
FROM (SELECT e.*, s.idle, ap_share_of(CAST(e.w AS DOUBLE) / e.len) AS used
      FROM a_ecs e CROSS JOIN attr_settings s WHERE e.w > 0)
WINDOW win AS (PARTITION BY window_id);

-- The same windows by AWS's split: a split row weighs in for the part of its
-- interval inside the window (all of it, for an hourly row and an hourly
-- line). --idle spread divides a window by split + unused cost; separate
-- gives services their split cost and leaves the unused cost to (idle).
CREATE OR REPLACE TEMP TABLE a_scad_hours AS
SELECT s.*, u.hour
FROM a_scad s{scad_hours};

CREATE OR REPLACE TEMP TABLE a_scad_window AS
SELECT window_id, service, cluster_arn,
       sum(ap_share_of(CAST(split_cost AS DOUBLE) * f)) AS used,
       sum(ap_share_of(CAST(unused_cost AS DOUBLE) * f)) AS unused
FROM (SELECT p.window_id, s.service, s.cluster_arn, s.split_cost, s.unused_cost,
             ap_seconds(greatest(p.p_start, s.usage_start, p.hour), least(p.p_end, s.usage_end, p.hour + INTERVAL 1 HOUR))
                 / ap_seconds(s.usage_start, s.usage_end) AS f
      FROM a_window_hours p JOIN a_scad_hours s ON s.instance_id = p.owner AND s.hour = p.hour)
WHERE f > 0
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE a_scad_split AS
SELECT window_id, service, cluster_arn,
       ap_share_of(CAST(CASE WHEN idle = 'separate' THEN used ELSE used + unused END AS DOUBLE) / CAST(total AS DOUBLE))
           AS share
FROM (SELECT w.*, s.idle, sum(w.used + w.unused) OVER (PARTITION BY w.window_id) AS total
      FROM a_scad_window w CROSS JOIN attr_settings s)
WHERE total > 0 AND CASE WHEN idle = 'separate' THEN used ELSE used + unused END > 0;

-- Which split a window takes (ecs_source): auto, the events where they cover
-- it and AWS's split elsewhere; events, never AWS's; scad, AWS's where it has
-- rows and the events elsewhere.
CREATE OR REPLACE TEMP TABLE a_split AS
SELECT {method_ecs} AS source, e.*
FROM a_event_split e
WHERE (SELECT ecs_source FROM attr_settings) <> 'scad' OR e.window_id NOT IN (SELECT window_id FROM a_scad_split)
UNION ALL
SELECT {method_scad}, c.*
FROM a_scad_split c
WHERE (SELECT ecs_source FROM attr_settings) = 'scad'
   OR ((SELECT ecs_source FROM attr_settings) = 'auto' AND c.window_id NOT IN (SELECT window_id FROM a_event_split));

-- The parts of a window: its services with their areas, and under
-- --idle separate the capacity nobody used; shares of a window add to 1.
-- The largest part (by share, then by name) will take rounding remainders.
CREATE OR REPLACE TEMP TABLE a_window_parts AS
SELECT *, row_number() OVER (PARTITION BY window_id ORDER BY share DESC, area, service, idle) = 1 AS largest
FROM (SELECT s.window_id, s.source, s.share, COALESCE(s.service, '') AS service, COALESCE(sv.area, '(unmapped)') AS area,
             false AS idle
      FROM a_split s LEFT JOIN a_services sv ON sv.service IS NOT DISTINCT FROM s.service
                                            AND sv.cluster_arn IS NOT DISTINCT FROM s.cluster_arn
      UNION ALL
      SELECT window_id, any_value(source), 1 - sum(share), '', '(idle)', true
      FROM a_split WHERE (SELECT idle FROM attr_settings) = 'separate'
      GROUP BY window_id HAVING sum(share) < 1);

-- Every piece an instance owns, with its window; those ECS splits are the
-- ones whose window had tasks running (by events or by AWS's split).
CREATE OR REPLACE TEMP TABLE a_owned_pieces AS
SELECT p.piece_id, p.line_id, p.merged, w.window_id
FROM a_pieces p JOIN a_windows w ON w.owner = p.owner AND w.p_start = p.p_start AND w.p_end = p.p_end;

CREATE OR REPLACE TEMP TABLE a_ecs_pieces AS
SELECT * FROM a_owned_pieces WHERE window_id IN (SELECT window_id FROM a_split);

-- 3–5. Tag, rules, unallocated, for pieces nobody ran on. A merged piece
-- is judged as its instance: the instance's tags and id.
CREATE OR REPLACE TEMP TABLE a_instance_tags AS
-- (Ties between lines of one hour break on the tag text: the same data
-- always picks the same set. A set of empty values is no tags.)
SELECT billing_period, resource_short AS instance_id,
       {latest_tags} AS tags
FROM a_lines
WHERE resource_short LIKE 'i-%' AND tags IS NOT NULL
  AND {some_tag_has_a_value}
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE a_plain AS
SELECT p.piece_id, p.line_id, p.frac, p.merged,
       COALESCE(b.product_name, '') AS product, COALESCE(b.product_code, '') AS product_code,
       COALESCE(b.usage_type, '') AS usage_type, COALESCE(b.operation, '') AS operation,
       b.usage_account AS account, COALESCE(b.region, '') AS region,
       COALESCE(CASE WHEN p.merged IS NOT NULL THEN p.owner ELSE b.resource_id END, '') AS resource,
       COALESCE(p.owner, b.resource_short, '') AS resource_short,
       COALESCE(b.line_type, '') AS line_type,
       CASE WHEN p.merged IS NOT NULL THEN it.tags ELSE b.tags END AS tags
FROM a_pieces p
JOIN a_lines b ON b.line_id = p.line_id
LEFT JOIN a_instance_tags it
       ON p.merged IS NOT NULL AND it.instance_id = p.owner AND it.billing_period = b.billing_period
WHERE p.frac > 0
  AND NOT EXISTS (SELECT 1 FROM a_ecs_pieces e WHERE e.piece_id = p.piece_id);

-- Distinct signatures, so tags and rules are judged once per kind of line.
-- A signature is its columns themselves: a 64-bit hash of them collides
-- (DuckDB's string hash does on tag sets as plain as two teams' tags), and a
-- collision would give one kind of line another's area.
CREATE OR REPLACE TEMP TABLE a_sig AS
SELECT {row_id} AS sig_id, *
FROM (SELECT DISTINCT product, product_code, usage_type, operation, account, region,
                      resource, resource_short, line_type, tags
      FROM a_plain);

-- Tags and rules judged per signature (db/sql/sig_rules.sql).
{sig_rules}

-- A Fargate task's or pod's own line goes by the service map first (its
-- ECS service, its EKS workload), as the tasks and pods on EC2 do; then tag,
-- then rules. Either of the first two closes it to rules.
CREATE OR REPLACE TEMP TABLE a_sig_area AS
SELECT g.sig_id,
       CASE WHEN service_area IS NOT NULL THEN service_area
            WHEN tag_area IS NOT NULL THEN tag_area
            WHEN r.area IS NOT NULL THEN r.area
            ELSE '(unallocated)' END AS area,
       CASE WHEN service_area IS NOT NULL THEN {method_service}
            WHEN tag_area IS NOT NULL THEN {method_tag}
            WHEN r.area IS NOT NULL THEN {method_rule} || r.n
            ELSE {method_unallocated} END AS method,
       service_area IS NOT NULL OR tag_area IS NOT NULL AS tagged,
       CASE WHEN service_area IS NULL AND tag_area IS NULL THEN r.n END AS rule_n
FROM (SELECT g.*, trim(ap_tag_value_in(t.entries, s.tag_keys)) AS tag_area,
             ap_container_area(t.entries, g.resource) AS service_area
      FROM a_sig g LEFT JOIN a_sig_tags t USING (sig_id) CROSS JOIN attr_settings s) g
LEFT JOIN a_sig_rule r USING (sig_id);

-- Money, rounded in two steps so every sum is exact: a line's pieces get their
-- fraction of it (the largest piece takes the rounding remainder), then a
-- piece's parts get their share of the piece (the largest part takes that
-- remainder). A piece's dollars therefore do not depend on how it is split,
-- so --idle and --weight move money only inside ECS pieces.
CREATE OR REPLACE TEMP TABLE a_piece_money AS
-- Most lines are one piece (fraction 1): the piece is the line, nothing to round.
-- Ties between pieces are broken by what they are (owner, start), never by
-- their arbitrary id, so the same data always rounds the same way.
SELECT p.piece_id, p.line_id, b.unblended_cost AS u, b.amortized_cost AS a, b.blended_cost AS bl,
       b.net_amortized_cost AS na
FROM a_pieces p JOIN a_lines b ON b.line_id = p.line_id
WHERE p.frac = 1
UNION ALL
-- A split line: each piece gets its fraction, rounded; the first piece (the
-- largest, ties broken by owner and start) takes what the rounding left over.
SELECT piece_id, line_id,
       CASE WHEN rn = 1 THEN line_u - sum(u) OVER line + u ELSE u END,
       CASE WHEN rn = 1 THEN line_a - sum(a) OVER line + a ELSE a END,
       CASE WHEN rn = 1 THEN line_b - sum(bl) OVER line + bl ELSE bl END,
       CASE WHEN rn = 1 THEN line_na - sum(na) OVER line + na ELSE na END
FROM (SELECT p.piece_id, p.line_id,
             ap_money_of(CAST(b.unblended_cost AS DOUBLE) * p.frac) AS u,
             ap_money_of(CAST(b.amortized_cost AS DOUBLE) * p.frac) AS a,
             ap_money_of(CAST(b.blended_cost AS DOUBLE) * p.frac) AS bl,
             ap_money_of(CAST(b.net_amortized_cost AS DOUBLE) * p.frac) AS na,
             b.unblended_cost AS line_u, b.amortized_cost AS line_a, b.blended_cost AS line_b,
             b.net_amortized_cost AS line_na,
             row_number() OVER (PARTITION BY p.line_id ORDER BY p.frac DESC, p.owner NULLS FIRST, p.p_start, p.piece_id) AS rn
      FROM a_pieces p JOIN a_lines b ON b.line_id = p.line_id
      WHERE p.frac < 1)
WINDOW line AS (PARTITION BY line_id);

-- Parts: each ECS piece's parts get their share of it, rounded to 10
-- decimals (the product is taken in double precision: a part's amount is
-- right to far below a cent, and fast), and the largest part takes what the
-- rounding left over, so a piece's parts add up to the piece exactly.
CREATE OR REPLACE TEMP TABLE a_ecs_parts AS
SELECT e.piece_id, e.line_id, wp.service, wp.area, wp.largest,
       CASE WHEN wp.idle THEN {method_idle} WHEN e.merged IS NOT NULL THEN {method_ebs} ELSE wp.source END AS method,
       COALESCE(e.merged, '') AS merged_into,
       ap_money_of(CAST(m.u AS DOUBLE) * CAST(wp.share AS DOUBLE)) AS u,
       ap_money_of(CAST(m.a AS DOUBLE) * CAST(wp.share AS DOUBLE)) AS a,
       ap_money_of(CAST(m.bl AS DOUBLE) * CAST(wp.share AS DOUBLE)) AS bl,
       ap_money_of(CAST(m.na AS DOUBLE) * CAST(wp.share AS DOUBLE)) AS na,
       m.u AS piece_u, m.a AS piece_a, m.bl AS piece_b, m.na AS piece_na
FROM a_ecs_pieces e
JOIN a_window_parts wp USING (window_id)
JOIN a_piece_money m USING (piece_id);

CREATE OR REPLACE TEMP TABLE a_final AS
SELECT p.line_id, p.service, p.area, p.method, p.merged_into, CAST(NULL AS BIGINT) AS sig_id, true AS tagged,
       CAST(NULL AS BIGINT) AS rule_n,
       p.u + CASE WHEN p.largest THEN r.u ELSE 0 END AS u,
       p.a + CASE WHEN p.largest THEN r.a ELSE 0 END AS a,
       p.bl + CASE WHEN p.largest THEN r.bl ELSE 0 END AS bl,
       p.na + CASE WHEN p.largest THEN r.na ELSE 0 END AS na
FROM a_ecs_parts p
JOIN (SELECT piece_id, any_value(piece_u) - sum(u) AS u, any_value(piece_a) - sum(a) AS a,
             any_value(piece_b) - sum(bl) AS bl, any_value(piece_na) - sum(na) AS na
      FROM a_ecs_parts GROUP BY piece_id) r USING (piece_id)
UNION ALL
SELECT p.line_id, '', a.area, CASE WHEN p.merged IS NOT NULL THEN {method_ebs} ELSE a.method END,
       COALESCE(p.merged, ''), g.sig_id, a.tagged, a.rule_n, m.u, m.a, m.bl, m.na
FROM a_plain p
JOIN a_sig g
  ON g.product = p.product AND g.product_code = p.product_code AND g.usage_type = p.usage_type
 AND g.operation = p.operation AND g.account = p.account AND g.region = p.region
 AND g.resource = p.resource AND g.resource_short = p.resource_short AND g.line_type = p.line_type
 AND g.tags IS NOT DISTINCT FROM p.tags
JOIN a_sig_area a ON a.sig_id = g.sig_id
JOIN a_piece_money m ON m.piece_id = p.piece_id
UNION ALL
-- A line no piece reached (it cannot happen; kept so conservation is checked, not assumed).
SELECT b.line_id, '', '(unallocated)', {method_unallocated}, '', NULL, true, NULL, b.unblended_cost, b.amortized_cost,
       b.blended_cost, b.net_amortized_cost
FROM a_lines b WHERE b.line_id NOT IN (SELECT line_id FROM a_pieces);

-- 6. Discounts, credits, refunds and commitments follow the usage they
-- belong to, when no tag or rule claimed them. Each part with its line's
-- kind of charge and the keys it can follow by.
CREATE OR REPLACE TEMP TABLE a_parts AS
SELECT f.*, ap_charge(b.line_type, COALESCE(b.product_code, b.product_name)) AS charge,
       COALESCE(b.line_type, '') AS line_type, b.usage_account AS account,
       COALESCE(b.product_name, b.product_code, '') AS product, COALESCE(b.resource_id, '') AS resource
FROM a_final f JOIN a_lines b USING (line_id);

-- The [[split]]s with a filter, and the lines each one's filter matches
-- (none when no split has a filter: then nothing is read).
CREATE OR REPLACE TEMP TABLE a_split_lines AS
SELECT g.line_id, array_sort(array_agg(r.n)) AS matched
FROM (SELECT line_id, COALESCE(product_name, '') AS product, COALESCE(product_code, '') AS product_code,
             COALESCE(usage_type, '') AS usage_type, COALESCE(operation, '') AS operation, usage_account AS account,
             COALESCE(region, '') AS region, COALESCE(resource_id, '') AS resource,
             COALESCE(resource_short, '') AS resource_short, COALESCE(line_type, '') AS line_type,
             {tag_entries} AS entries
      FROM a_lines WHERE EXISTS (SELECT 1 FROM attr_splits WHERE filtered)) g
JOIN attr_splits r
  ON r.filtered AND {rule_match}
WHERE NOT EXISTS (SELECT 1 FROM attr_split_tags rt
                 WHERE rt.n = r.n AND NOT COALESCE({line_tag_matches}, false))
GROUP BY g.line_id;

-- The month's direct attribution kept as the tables a rule appended later
-- (or undo) changes, db/sql/rule_delta.sql; db/sql/attribute_follow.sql
-- finishes the month from them. A part is open when no tag named its area
-- and no rule claimed it, or only the last rule did (the one undo may
-- remove); open discounts, credits, refunds and commitment fees are the
-- followers of step 6.
CREATE OR REPLACE TEMP TABLE a_state_parts AS
SELECT p.*, b.billing_period, COALESCE(CAST(b.usage_start AS DATE), b.billing_period) AS usage_date,
       COALESCE(b.usage_type, '') AS usage_type, COALESCE(s.matched, {no_ids}) AS matched,
       p.sig_id IS NOT NULL AND NOT p.tagged
           AND (p.rule_n IS NULL OR p.rule_n >= (SELECT COALESCE(max(n), 1) FROM attr_rules)) AS open,
       p.merged_into = '' AND (p.charge IN ('discount', 'credit', 'refund')
           OR p.line_type IN ('SavingsPlanNegation', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee'))
           AS follows
FROM a_parts p JOIN a_lines b USING (line_id) LEFT JOIN a_split_lines s USING (line_id);

DELETE FROM direct_base WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO direct_base BY NAME
SELECT billing_period, usage_date, product, usage_type, account, resource, line_type, area, service, method,
       merged_into, charge, matched, count(*) AS pieces, sum(u) AS unblended_cost, sum(a) AS amortized_cost,
       sum(bl) AS blended_cost, sum(na) AS net_amortized_cost
FROM a_state_parts WHERE NOT (open AND follows)
GROUP BY ALL;

DELETE FROM direct_open WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO direct_open BY NAME
SELECT p.billing_period, g.product AS sig_product, g.product_code AS sig_product_code, g.usage_type AS sig_usage_type,
       g.operation AS sig_operation, g.account AS sig_account, g.region AS sig_region, g.resource AS sig_resource,
       g.resource_short AS sig_resource_short, g.line_type AS sig_line_type, g.tags AS sig_tags,
       p.usage_date, p.product, p.usage_type, p.account, p.resource, p.line_type, p.merged_into, p.charge, p.matched,
       p.rule_n AS claimed_by, CASE WHEN p.rule_n IS NOT NULL THEN p.area END AS claimed_area,
       count(*) AS pieces, sum(p.u) AS unblended_cost, sum(p.a) AS amortized_cost, sum(p.bl) AS blended_cost,
       sum(p.na) AS net_amortized_cost
FROM a_state_parts p JOIN a_sig g USING (sig_id)
WHERE p.open AND NOT p.follows
GROUP BY ALL;

DELETE FROM direct_followers WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO direct_followers BY NAME
SELECT p.billing_period, {row_id} AS follower_id,
       g.product AS sig_product, g.product_code AS sig_product_code, g.usage_type AS sig_usage_type,
       g.operation AS sig_operation, g.account AS sig_account, g.region AS sig_region, g.resource AS sig_resource,
       g.resource_short AS sig_resource_short, g.line_type AS sig_line_type, g.tags AS sig_tags,
       p.usage_date, p.product, p.usage_type, p.account, p.resource, p.line_type, p.service, p.charge, p.matched,
       p.u AS unblended_cost, p.a AS amortized_cost, p.bl AS blended_cost, p.na AS net_amortized_cost,
       p.rule_n AS claimed_by, CASE WHEN p.rule_n IS NOT NULL THEN p.area END AS claimed_area
FROM a_state_parts p JOIN a_sig g USING (sig_id)
WHERE p.open AND p.follows;

-- The ECS cross-check: both splits of every window, whichever attribution
-- took, in unblended dollars. Per instance and service over the windows both
-- cover, and per instance the hours only one covers (event capture gaps the
-- one way, instances AWS split no task of the other). A month without split
-- rows has nothing to compare: no rows, and no cost for those who have none.
CREATE OR REPLACE TEMP TABLE a_check_parts AS
SELECT * FROM (
    SELECT window_id, 'events' AS source, service, cluster_arn, false AS idle, share FROM a_event_split
    UNION ALL
    SELECT window_id, 'scad', service, cluster_arn, false, share FROM a_scad_split
    UNION ALL
    SELECT window_id, source, '(idle)', NULL, true, 1 - sum(share)
    FROM (SELECT window_id, 'events' AS source, share FROM a_event_split
          UNION ALL SELECT window_id, 'scad', share FROM a_scad_split)
    WHERE (SELECT idle FROM attr_settings) = 'separate'
    GROUP BY window_id, source HAVING sum(share) < 1)
WHERE EXISTS (SELECT 1 FROM a_scad);

CREATE OR REPLACE TEMP TABLE a_check_windows AS
SELECT c.window_id, w.owner, CASE WHEN c.e AND c.s THEN 'both' WHEN c.s THEN 'scad_only' ELSE 'events_only' END AS kind,
       COALESCE(m.u, 0) AS u
FROM (SELECT window_id, bool_or(source = 'events') AS e, bool_or(source = 'scad') AS s FROM a_check_parts GROUP BY window_id) c
JOIN a_windows w USING (window_id)
LEFT JOIN (SELECT o.window_id, sum(m.u) AS u FROM a_owned_pieces o JOIN a_piece_money m USING (piece_id)
           GROUP BY o.window_id) m USING (window_id);

CREATE OR REPLACE TEMP TABLE a_check_hours AS
SELECT w.owner, w.kind, count(DISTINCT h.hour) AS hours, min(h.hour) AS first_hour, max(h.hour) AS last_hour
FROM a_check_windows w JOIN a_window_hours h USING (window_id)
GROUP BY ALL;

DELETE FROM ecs_check WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO ecs_check
SELECT (SELECT period FROM attr_month), s.owner, 'both', s.service, s.area, h.hours, h.first_hour, h.last_hour,
       s.events_cost, s.scad_cost
FROM (SELECT w.owner, COALESCE(p.service, '') AS service,
             CASE WHEN p.idle THEN '(idle)' ELSE COALESCE(sv.area, '(unmapped)') END AS area,
             COALESCE(ap_money_of(sum(CAST(w.u AS DOUBLE) * CAST(p.share AS DOUBLE)) FILTER (WHERE p.source = 'events')),
                      0) AS events_cost,
             COALESCE(ap_money_of(sum(CAST(w.u AS DOUBLE) * CAST(p.share AS DOUBLE)) FILTER (WHERE p.source = 'scad')),
                      0) AS scad_cost
      FROM a_check_windows w
      JOIN a_check_parts p USING (window_id)
      LEFT JOIN a_services sv ON NOT p.idle AND sv.service IS NOT DISTINCT FROM p.service
                             AND sv.cluster_arn IS NOT DISTINCT FROM p.cluster_arn
      WHERE w.kind = 'both'
      GROUP BY ALL) s
JOIN a_check_hours h ON h.owner = s.owner AND h.kind = 'both'
UNION ALL
SELECT (SELECT period FROM attr_month), g.owner, g.kind, '', '', h.hours, h.first_hour, h.last_hour,
       CASE WHEN g.kind = 'events_only' THEN g.u ELSE 0 END, CASE WHEN g.kind = 'scad_only' THEN g.u ELSE 0 END
FROM (SELECT owner, kind, sum(u) AS u FROM a_check_windows WHERE kind <> 'both' GROUP BY ALL) g
JOIN a_check_hours h ON h.owner = g.owner AND h.kind = g.kind;
