-- One [[split]] of one month, run once per split in file order after
-- attribute.sql: the rows of a_alloc in the split's `from` area (and its
-- filter) are shared over its targets, and replace themselves there.
--
-- Inputs: attr_split_now (n), attr_splits, attr_split_targets (n, area,
-- share: the fixed percentage as text, or NULL for a named target), a_direct,
-- a_alloc. Placeholders as in attribute.sql, and pseudo_areas, the list
-- of areas no tag or rule names.

CREATE OR REPLACE TEMP TABLE s_split AS
SELECT * FROM attr_splits WHERE n = (SELECT n FROM attr_split_now);

-- Targets and each one's share, per measure. Fixed: the percentages.
-- Named targets, else every area with direct cost that is no pseudo-area and
-- no split's source. Proportional: by direct cost of the measure (targets
-- with none get nothing of it); even: the same to each target with direct cost.
CREATE OR REPLACE TEMP TABLE s_targets AS
WITH named AS (SELECT area, CAST(share AS DECIMAL(38, 10)) AS share FROM attr_split_targets WHERE n = (SELECT n FROM s_split)),
     reach AS (
         SELECT d.area, d.u, d.a, d.bl, d.na FROM a_direct d
         WHERE (d.u <> 0 OR d.a <> 0 OR d.bl <> 0 OR d.na <> 0)
           AND CASE WHEN EXISTS (SELECT 1 FROM named) THEN d.area IN (SELECT area FROM named)
                    ELSE d.area NOT IN {pseudo_areas} AND d.area NOT IN (SELECT from_area FROM attr_splits) END)
SELECT area, CAST(share AS DOUBLE) / 100 AS su, CAST(share AS DOUBLE) / 100 AS sa, CAST(share AS DOUBLE) / 100 AS sb,
       CAST(share AS DOUBLE) / 100 AS sn
FROM named WHERE (SELECT split_by FROM s_split) = 'fixed'
UNION ALL
SELECT area, 1 / count(*) OVER (), 1 / count(*) OVER (), 1 / count(*) OVER (), 1 / count(*) OVER ()
FROM reach WHERE (SELECT split_by FROM s_split) = 'even'
UNION ALL
SELECT area, CAST(greatest(u, 0) AS DOUBLE) / CAST(NULLIF(sum(greatest(u, 0)) OVER (), 0) AS DOUBLE),
       CAST(greatest(a, 0) AS DOUBLE) / CAST(NULLIF(sum(greatest(a, 0)) OVER (), 0) AS DOUBLE),
       CAST(greatest(bl, 0) AS DOUBLE) / CAST(NULLIF(sum(greatest(bl, 0)) OVER (), 0) AS DOUBLE),
       CAST(greatest(na, 0) AS DOUBLE) / CAST(NULLIF(sum(greatest(na, 0)) OVER (), 0) AS DOUBLE)
FROM reach WHERE (SELECT split_by FROM s_split) = 'proportional';

-- The pool: the rows this split moves.
CREATE OR REPLACE TEMP TABLE s_pool AS
SELECT {row_id} AS row_id, *
FROM a_alloc
WHERE area = (SELECT from_area FROM s_split)
  AND (NOT (SELECT filtered FROM s_split) OR array_contains(matched, (SELECT n FROM s_split)));

-- Whether each measure moves at all: its shares add up to one.
CREATE OR REPLACE TEMP TABLE s_moves AS
SELECT COALESCE(sum(su), 0) > 0 AS mu, COALESCE(sum(sa), 0) > 0 AS ma, COALESCE(sum(sb), 0) > 0 AS mb,
       COALESCE(sum(sn), 0) > 0 AS mn
FROM s_targets;

INSERT INTO a_split_notes
SELECT (SELECT n FROM s_split), (SELECT from_area FROM s_split), sum(u)
FROM s_pool HAVING count(*) > 0 AND NOT (SELECT mu FROM s_moves);

-- Each pool row over the targets, rounded; the largest share (then the
-- first area by name) takes what rounding left, so a row's parts add up to
-- it exactly. A measure that does not move stays where it was.
CREATE OR REPLACE TEMP TABLE s_moved AS
SELECT p.*, t.area AS target,
       ap_money_of(CAST(p.u AS DOUBLE) * CAST(COALESCE(t.su, 0) AS DOUBLE)) AS tu,
       ap_money_of(CAST(p.a AS DOUBLE) * CAST(COALESCE(t.sa, 0) AS DOUBLE)) AS ta,
       ap_money_of(CAST(p.bl AS DOUBLE) * CAST(COALESCE(t.sb, 0) AS DOUBLE)) AS tb,
       ap_money_of(CAST(p.na AS DOUBLE) * CAST(COALESCE(t.sn, 0) AS DOUBLE)) AS tn,
       row_number() OVER (PARTITION BY p.row_id ORDER BY t.su DESC NULLS LAST, t.area) = 1 AS first_u,
       row_number() OVER (PARTITION BY p.row_id ORDER BY t.sa DESC NULLS LAST, t.area) = 1 AS first_a,
       row_number() OVER (PARTITION BY p.row_id ORDER BY t.sb DESC NULLS LAST, t.area) = 1 AS first_b,
       row_number() OVER (PARTITION BY p.row_id ORDER BY t.sn DESC NULLS LAST, t.area) = 1 AS first_n
FROM s_pool p CROSS JOIN s_targets t;

DELETE FROM a_alloc
WHERE area = (SELECT from_area FROM s_split)
  AND (NOT (SELECT filtered FROM s_split) OR array_contains(matched, (SELECT n FROM s_split)));

INSERT INTO a_alloc BY NAME
SELECT m.billing_period, m.usage_date, m.product, m.usage_type, m.account, m.resource, m.line_type, m.target AS area,
       m.service,
       {method_split} || (SELECT n FROM s_split) AS method, m.merged_into, m.charge, m.direct_area, m.matched,
       m.tu + CASE WHEN m.first_u AND mv.mu THEN r.u ELSE 0 END AS u,
       m.ta + CASE WHEN m.first_a AND mv.ma THEN r.a ELSE 0 END AS a,
       m.tb + CASE WHEN m.first_b AND mv.mb THEN r.bl ELSE 0 END AS bl,
       m.tn + CASE WHEN m.first_n AND mv.mn THEN r.na ELSE 0 END AS na
FROM s_moved m
JOIN (SELECT row_id, any_value(u) - sum(tu) AS u, any_value(a) - sum(ta) AS a, any_value(bl) - sum(tb) AS bl,
             any_value(na) - sum(tn) AS na
      FROM s_moved GROUP BY row_id) r USING (row_id)
CROSS JOIN s_moves mv
UNION ALL
-- What stays: the measures that do not move (all of them when no target has direct cost).
SELECT p.billing_period, p.usage_date, p.product, p.usage_type, p.account, p.resource, p.line_type, p.area, p.service,
       p.method,
       p.merged_into, p.charge, p.direct_area, p.matched,
       CASE WHEN mv.mu THEN 0 ELSE p.u END, CASE WHEN mv.ma THEN 0 ELSE p.a END, CASE WHEN mv.mb THEN 0 ELSE p.bl END,
       CASE WHEN mv.mn THEN 0 ELSE p.na END
FROM s_pool p CROSS JOIN s_moves mv
WHERE (NOT mv.mu AND p.u <> 0) OR (NOT mv.ma AND p.a <> 0) OR (NOT mv.mb AND p.bl <> 0) OR (NOT mv.mn AND p.na <> 0);
