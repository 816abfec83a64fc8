-- Rules appended to the rules a month was attributed with (attr_rules and
-- attr_rule_tags hold only those) claim what is still open in it: the
-- signatures of direct_open and direct_followers that no tag and no rule
-- claimed. Tags and earlier rules never matched them, so the first appended
-- rule that matches wins, as it does in a full attribution. The claimed
-- pieces leave (unallocated) for their area by signed rows of direct_base;
-- claimed followers stop following (attribute_follow.sql books them whole).
-- Then attribute_follow.sql, the splits and the store finish the month.
--
-- Inputs: attr_month, attr_rules, attr_rule_tags; placeholders {method_*},
-- rule_match and sig_rules (sig_rules.sql) as in attribute.sql.

CREATE OR REPLACE TEMP TABLE a_sig AS
SELECT {row_id} AS sig_id, *
FROM (SELECT sig_product AS product, sig_product_code AS product_code, sig_usage_type AS usage_type,
             sig_operation AS operation, sig_account AS account, sig_region AS region, sig_resource AS resource,
             sig_resource_short AS resource_short, sig_line_type AS line_type, sig_tags AS tags
      FROM direct_open WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by IS NULL
      UNION
      SELECT sig_product, sig_product_code, sig_usage_type, sig_operation, sig_account, sig_region, sig_resource,
             sig_resource_short, sig_line_type, sig_tags
      FROM direct_followers WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by IS NULL);

{sig_rules}

CREATE OR REPLACE TEMP TABLE d_claims AS
SELECT g.*, r.area AS new_area, r.n AS new_n
FROM a_sig g JOIN a_sig_rule r USING (sig_id)
WHERE r.area IS NOT NULL;

CREATE OR REPLACE TEMP TABLE d_open AS
SELECT o.*, c.new_area, c.new_n
FROM direct_open o
JOIN d_claims c
  ON o.sig_product = c.product AND o.sig_product_code = c.product_code AND o.sig_usage_type = c.usage_type
 AND o.sig_operation = c.operation AND o.sig_account = c.account AND o.sig_region = c.region
 AND o.sig_resource = c.resource AND o.sig_resource_short = c.resource_short AND o.sig_line_type = c.line_type
 AND o.sig_tags IS NOT DISTINCT FROM c.tags
WHERE o.billing_period = (SELECT period FROM attr_month) AND o.claimed_by IS NULL;

INSERT INTO direct_base BY NAME
SELECT billing_period, usage_date, product, usage_type, account, resource, line_type, '(unallocated)' AS area,
       '' AS service, CASE WHEN merged_into <> '' THEN {method_ebs} ELSE {method_unallocated} END AS method,
       merged_into, charge, matched, -pieces AS pieces, -unblended_cost AS unblended_cost,
       -amortized_cost AS amortized_cost, -blended_cost AS blended_cost, -net_amortized_cost AS net_amortized_cost
FROM d_open
UNION ALL
SELECT billing_period, usage_date, product, usage_type, account, resource, line_type, new_area, '',
       CASE WHEN merged_into <> '' THEN {method_ebs} ELSE {method_rule} || new_n END,
       merged_into, charge, matched, pieces, unblended_cost, amortized_cost, blended_cost, net_amortized_cost
FROM d_open;

UPDATE direct_open o SET claimed_by = c.new_n, claimed_area = c.new_area
FROM d_claims c
WHERE o.billing_period = (SELECT period FROM attr_month) AND o.claimed_by IS NULL
  AND o.sig_product = c.product AND o.sig_product_code = c.product_code AND o.sig_usage_type = c.usage_type
  AND o.sig_operation = c.operation AND o.sig_account = c.account AND o.sig_region = c.region
  AND o.sig_resource = c.resource AND o.sig_resource_short = c.resource_short AND o.sig_line_type = c.line_type
  AND o.sig_tags IS NOT DISTINCT FROM c.tags;

UPDATE direct_followers o SET claimed_by = c.new_n, claimed_area = c.new_area
FROM d_claims c
WHERE o.billing_period = (SELECT period FROM attr_month) AND o.claimed_by IS NULL
  AND o.sig_product = c.product AND o.sig_product_code = c.product_code AND o.sig_usage_type = c.usage_type
  AND o.sig_operation = c.operation AND o.sig_account = c.account AND o.sig_region = c.region
  AND o.sig_resource = c.resource AND o.sig_resource_short = c.resource_short AND o.sig_line_type = c.line_type
  AND o.sig_tags IS NOT DISTINCT FROM c.tags;

-- What moved, for the run's summary: (unblended) dollars per area.
CREATE OR REPLACE TEMP TABLE d_moved AS
SELECT new_area AS area, sum(unblended_cost) AS u FROM d_open GROUP BY ALL
UNION ALL
SELECT f.claimed_area, sum(f.unblended_cost)
FROM direct_followers f
WHERE f.billing_period = (SELECT period FROM attr_month) AND f.claimed_by IN (SELECT n FROM attr_rules)
GROUP BY ALL;
