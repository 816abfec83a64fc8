-- Finishing one billing period from its direct attribution (the tables
-- direct_base and direct_followers, which attribute.sql writes and
-- rule_delta.sql changes): 6. discounts, credits, refunds and commitments
-- follow the usage they belong to, when no tag or rule claimed them; then
-- the month at the grain of allocations (a_alloc) and each area's direct
-- cost (a_direct), which the [[split]] steps (split_step.sql) and the store
-- (attribute_store.sql) read. A full attribution and one by an appended
-- rule finish a month with these same statements.
--
-- Inputs: attr_month; placeholders {method_*} as in attribute.sql.

-- What money can follow: usage, by resource, account × product, account,
-- and the usage a Savings Plan (covered usage) or a reservation (discounted
-- usage) paid for.
CREATE OR REPLACE TEMP TABLE a_leaders AS
SELECT account, product, resource, line_type, area, service, sum(u) AS u, sum(a) AS a, sum(bl) AS bl,
       sum(na) AS na
FROM (SELECT account, product, resource, line_type, area, service, unblended_cost AS u, amortized_cost AS a,
             blended_cost AS bl, net_amortized_cost AS na
      FROM direct_base WHERE billing_period = (SELECT period FROM attr_month) AND charge = 'usage')
GROUP BY ALL;

-- Who follows: unclaimed discounts, credits, refunds, the Savings Plan
-- negation, and commitment fees. A fee's unused part (its amortized cost,
-- and as much of its unblended and blended cost) is (unused commitment);
-- the rest is what the commitment paid for, and follows that usage.
CREATE OR REPLACE TEMP TABLE a_followers AS
SELECT p.follower_id, p.usage_date, p.usage_type, p.matched, p.service, p.charge, p.line_type, p.account, p.product,
       p.resource, p.u - p.unused_u AS u, CASE WHEN p.fee THEN 0 ELSE p.a END AS a, p.bl - p.unused_b AS bl,
       CASE WHEN p.fee THEN 0 ELSE p.na END AS na,
       p.unused_u, CASE WHEN p.fee THEN p.a ELSE 0 END AS unused_a, p.unused_b,
       CASE WHEN p.fee THEN p.na ELSE 0 END AS unused_na,
       CASE WHEN p.line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'SavingsPlanCoveredUsage'
            WHEN p.line_type = 'RIFee' THEN 'DiscountedUsage' END AS paid_for
FROM (SELECT *, line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee') AS fee,
             CASE WHEN line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee') AND u > 0
                  THEN least(u, greatest(a, 0)) ELSE 0 END AS unused_u,
             CASE WHEN line_type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee') AND bl > 0
                  THEN least(bl, greatest(a, 0)) ELSE 0 END AS unused_b
      FROM (SELECT *, unblended_cost AS u, amortized_cost AS a, blended_cost AS bl, net_amortized_cost AS na
            FROM direct_followers
            WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by IS NULL)) p;

-- Candidate weights by level, the leaders pre-summed per key so a level
-- joins a key once: 1 the same resource (discounts, the negation), 2 the
-- same account × product (discounts, credits, refunds, the negation), 3 the
-- same account (credits, refunds), 4 the usage a commitment paid for.
CREATE OR REPLACE TEMP TABLE a_follow_weights AS
WITH by_resource AS (SELECT resource, area, service, sum(u) u, sum(a) a, sum(bl) bl, sum(na) na FROM a_leaders
                     WHERE resource <> '' GROUP BY ALL),
     by_product AS (SELECT account, product, area, service, sum(u) u, sum(a) a, sum(bl) bl, sum(na) na
                    FROM a_leaders GROUP BY ALL),
     by_account AS (SELECT account, area, service, sum(u) u, sum(a) a, sum(bl) bl, sum(na) na
                    FROM a_leaders GROUP BY ALL),
     by_commitment AS (SELECT line_type, area, service, sum(u) u, sum(a) a, sum(bl) bl, sum(na) na FROM a_leaders
                       WHERE line_type IN ('SavingsPlanCoveredUsage', 'DiscountedUsage') GROUP BY ALL),
     keys AS (SELECT DISTINCT charge, line_type, account, product, resource, paid_for FROM a_followers),
     -- (Each key named: Spark's k.* puts a USING join's keys first, and a
     -- UNION ALL matches columns by position.)
     candidates AS (
         SELECT k.charge, k.line_type, k.account, k.product, k.resource, k.paid_for,
                1 AS level, l.area, l.service, l.u, l.a, l.bl, l.na FROM keys k JOIN by_resource l USING (resource)
         WHERE k.resource <> '' AND (k.charge = 'discount' OR k.line_type = 'SavingsPlanNegation')
         UNION ALL
         SELECT k.charge, k.line_type, k.account, k.product, k.resource, k.paid_for,
                2, l.area, l.service, l.u, l.a, l.bl, l.na FROM keys k JOIN by_product l USING (account, product)
         WHERE k.charge IN ('discount', 'credit', 'refund') OR k.line_type = 'SavingsPlanNegation'
         UNION ALL
         SELECT k.charge, k.line_type, k.account, k.product, k.resource, k.paid_for,
                3, l.area, l.service, l.u, l.a, l.bl, l.na FROM keys k JOIN by_account l USING (account)
         WHERE k.charge IN ('credit', 'refund')
         UNION ALL
         SELECT k.charge, k.line_type, k.account, k.product, k.resource, k.paid_for,
                4, l.area, l.service, l.u, l.a, l.bl, l.na FROM keys k JOIN by_commitment l
             ON l.line_type = k.paid_for),
     totals AS (
         SELECT *, sum(u) OVER kl AS tu, sum(a) OVER kl AS ta, sum(bl) OVER kl AS tb, sum(na) OVER kl AS tn
         FROM candidates
         WINDOW kl AS (PARTITION BY charge, line_type, account, product, resource, paid_for, level)),
     chosen AS (
         SELECT *, min(level) FILTER (WHERE tu > 0 OR ta > 0 OR tb > 0 OR tn > 0)
                       OVER (PARTITION BY charge, line_type, account, product, resource, paid_for) AS pick
         FROM totals)
-- The first level with positive usage; each measure shares by its own
-- figures where they are positive, else by the first measure that is (a
-- reservation's discounted usage is free unblended, and weighs by amortized).
SELECT charge, line_type, account, product, resource, paid_for, area, service,
       CASE WHEN tu > 0 THEN CAST(u AS DOUBLE) / CAST(tu AS DOUBLE) ELSE base END AS share_u,
       CASE WHEN ta > 0 THEN CAST(a AS DOUBLE) / CAST(ta AS DOUBLE) ELSE base END AS share_a,
       CASE WHEN tb > 0 THEN CAST(bl AS DOUBLE) / CAST(tb AS DOUBLE) ELSE base END AS share_b,
       CASE WHEN tn > 0 THEN CAST(na AS DOUBLE) / CAST(tn AS DOUBLE) ELSE base END AS share_na
FROM (SELECT *, CASE WHEN tu > 0 THEN CAST(u AS DOUBLE) / CAST(tu AS DOUBLE)
                     WHEN ta > 0 THEN CAST(a AS DOUBLE) / CAST(ta AS DOUBLE)
                     WHEN tb > 0 THEN CAST(bl AS DOUBLE) / CAST(tb AS DOUBLE)
                     ELSE CAST(na AS DOUBLE) / CAST(tn AS DOUBLE) END AS base
      FROM chosen WHERE level = pick)
WHERE u <> 0 OR a <> 0 OR bl <> 0 OR na <> 0;

-- Each follower's money over its weights, rounded; the largest share takes
-- what rounding left, so a follower's parts add up to it exactly.
CREATE OR REPLACE TEMP TABLE a_followed AS
SELECT follower_id, area, service, u_part + CASE WHEN rn = 1 THEN f_u - sum(u_part) OVER f ELSE 0 END AS u,
       a_part + CASE WHEN rn = 1 THEN f_a - sum(a_part) OVER f ELSE 0 END AS a,
       b_part + CASE WHEN rn = 1 THEN f_b - sum(b_part) OVER f ELSE 0 END AS bl,
       n_part + CASE WHEN rn = 1 THEN f_n - sum(n_part) OVER f ELSE 0 END AS na
FROM (SELECT f.follower_id, w.area, w.service, f.u AS f_u, f.a AS f_a, f.bl AS f_b, f.na AS f_n,
             ap_money_of(CAST(f.u AS DOUBLE) * CAST(w.share_u AS DOUBLE)) AS u_part,
             ap_money_of(CAST(f.a AS DOUBLE) * CAST(w.share_a AS DOUBLE)) AS a_part,
             ap_money_of(CAST(f.bl AS DOUBLE) * CAST(w.share_b AS DOUBLE)) AS b_part,
             ap_money_of(CAST(f.na AS DOUBLE) * CAST(w.share_na AS DOUBLE)) AS n_part,
             row_number() OVER (PARTITION BY f.follower_id ORDER BY w.share_u DESC, w.area, w.service) AS rn
      FROM a_followers f
      JOIN a_follow_weights w
        ON w.charge = f.charge AND w.line_type = f.line_type AND w.account = f.account AND w.product = f.product
       AND w.resource = f.resource AND w.paid_for IS NOT DISTINCT FROM f.paid_for)
WINDOW f AS (PARTITION BY follower_id);

-- The month at the grain of allocations, before any split: what no one
-- follows, followers that found their usage, followers that did not (as
-- they were), the unused part of commitments, and followers a rule claimed
-- (whole, as that rule's); each row with the filtered splits its lines match.
CREATE OR REPLACE TEMP TABLE a_alloc AS
SELECT (SELECT period FROM attr_month) AS billing_period, usage_date, product, usage_type, account, resource,
       line_type, area, service, method, merged_into, charge, area AS direct_area, matched,
       sum(u) AS u, sum(a) AS a, sum(bl) AS bl, sum(na) AS na
FROM (SELECT usage_date, product, usage_type, account, resource, line_type, area, service, method, merged_into,
             charge, matched, pieces, unblended_cost AS u, amortized_cost AS a, blended_cost AS bl,
             net_amortized_cost AS na
      FROM direct_base WHERE billing_period = (SELECT period FROM attr_month)
      UNION ALL
      SELECT l.usage_date, l.product, l.usage_type, l.account, l.resource, l.line_type, f.area, f.service,
             {method_follow}, '', l.charge, l.matched, 1, f.u, f.a, f.bl, f.na
      FROM a_followed f JOIN a_followers l USING (follower_id)
      UNION ALL
      SELECT usage_date, product, usage_type, account, resource, line_type, '(unallocated)', service,
             {method_unallocated}, '', charge, matched, 1, u, a, bl, na
      FROM a_followers WHERE follower_id NOT IN (SELECT follower_id FROM a_followed)
      UNION ALL
      SELECT usage_date, product, usage_type, account, resource, line_type, '(unused commitment)', '',
             {method_follow}, '', charge, matched, 1, unused_u, unused_a, unused_b, unused_na
      FROM a_followers WHERE unused_u <> 0 OR unused_a <> 0 OR unused_b <> 0 OR unused_na <> 0
      UNION ALL
      SELECT usage_date, product, usage_type, account, resource, line_type, claimed_area, service,
             {method_rule} || claimed_by, '', charge, matched, 1, unblended_cost, amortized_cost, blended_cost,
             net_amortized_cost
      FROM direct_followers
      WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by IS NOT NULL)
GROUP BY ALL
-- A rule appended later moved pieces by signed rows: a row stands where its
-- pieces do not cancel out.
HAVING sum(pieces) <> 0;

-- Each area's direct cost of the month, per measure: what proportional
-- splits weigh by, and which areas an even split reaches.
CREATE OR REPLACE TEMP TABLE a_direct AS
SELECT area, sum(u) AS u, sum(a) AS a, sum(bl) AS bl, sum(na) AS na FROM a_alloc GROUP BY area;

CREATE OR REPLACE TEMP TABLE a_split_notes (n BIGINT, from_area VARCHAR, u DECIMAL(38, 10));

