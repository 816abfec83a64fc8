-- The last rule removed again (attr_undo: its number n), where the month
-- keeps its claims (n at or after the month's open_from): what it claimed
-- goes back to (unallocated), and its followers follow again. No other rule
-- matched those signatures (it was the first that did, and the last rule),
-- so this is what a full attribution without it gives. Then
-- attribute_follow.sql, the splits and the store finish the month.
--
-- Inputs: attr_month, attr_undo (n); placeholders {method_*} as in attribute.sql.

CREATE OR REPLACE TEMP TABLE d_moved AS
SELECT claimed_area AS area, -sum(unblended_cost) AS u
FROM (SELECT claimed_area, unblended_cost FROM direct_open
      WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo)
      UNION ALL
      SELECT claimed_area, unblended_cost FROM direct_followers
      WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo))
GROUP BY ALL;

INSERT INTO direct_base BY NAME
SELECT billing_period, usage_date, product, usage_type, account, resource, line_type, claimed_area AS area,
       '' AS service, CASE WHEN merged_into <> '' THEN {method_ebs} ELSE {method_rule} || claimed_by END AS method,
       merged_into, charge, matched, -pieces AS pieces, -unblended_cost AS unblended_cost,
       -amortized_cost AS amortized_cost, -blended_cost AS blended_cost, -net_amortized_cost AS net_amortized_cost
FROM direct_open
WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo)
UNION ALL
SELECT billing_period, usage_date, product, usage_type, account, resource, line_type, '(unallocated)', '',
       CASE WHEN merged_into <> '' THEN {method_ebs} ELSE {method_unallocated} END,
       merged_into, charge, matched, pieces, unblended_cost, amortized_cost, blended_cost, net_amortized_cost
FROM direct_open
WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo);

UPDATE direct_open SET claimed_by = NULL, claimed_area = NULL
WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo);
UPDATE direct_followers SET claimed_by = NULL, claimed_area = NULL
WHERE billing_period = (SELECT period FROM attr_month) AND claimed_by = (SELECT n FROM attr_undo);
