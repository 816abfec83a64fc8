-- The month's attributed rows (a_alloc, after direct attribution and every
-- [[split]]) written out: they replace the month's allocations and explorer
-- tables; the rollups keep every run's. Run after attribute.sql and the
-- split steps, in the same session; placeholders as in attribute.sql.

DELETE FROM allocations WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO allocations BY NAME
SELECT m.run_id, f.billing_period, f.usage_date, f.product, f.usage_type, f.account, f.resource, f.area, f.service,
       f.method, f.merged_into, f.charge, f.direct_area,
       sum(f.u) AS unblended_cost, sum(f.a) AS amortized_cost, sum(f.bl) AS blended_cost,
       sum(f.na) AS net_amortized_cost
FROM a_alloc f CROSS JOIN attr_month m
GROUP BY ALL
-- (A bill's own zero-cost lines stay; zeros that following or splitting left do not.)
HAVING sum(f.u) <> 0 OR sum(f.a) <> 0 OR sum(f.bl) <> 0 OR sum(f.na) <> 0
    OR NOT (f.method = {method_follow} OR left(f.method, length({method_split})) = {method_split});

DELETE FROM explore_cells WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO explore_cells
SELECT billing_period, product, area, CASE WHEN service <> '' THEN service ELSE resource END, bool_or(service <> ''),
       sum(unblended_cost), sum(amortized_cost), sum(blended_cost), sum(net_amortized_cost)
FROM allocations WHERE billing_period = (SELECT period FROM attr_month)
GROUP BY 1, 2, 3, 4;

DELETE FROM explore_days WHERE billing_period = (SELECT period FROM attr_month);
INSERT INTO explore_days
SELECT billing_period, usage_date, product, area, CASE WHEN service <> '' THEN service ELSE resource END,
       sum(unblended_cost), sum(amortized_cost), sum(blended_cost), sum(net_amortized_cost)
FROM allocations WHERE billing_period = (SELECT period FROM attr_month)
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rollup_product_area
SELECT run_id, billing_period, product, area, sum(unblended_cost), sum(amortized_cost), sum(blended_cost), sum(net_amortized_cost)
FROM allocations WHERE billing_period = (SELECT period FROM attr_month) GROUP BY ALL;
INSERT INTO rollup_area_service
SELECT run_id, billing_period, area, service, sum(unblended_cost), sum(amortized_cost), sum(blended_cost), sum(net_amortized_cost)
FROM allocations WHERE billing_period = (SELECT period FROM attr_month) GROUP BY ALL;
INSERT INTO rollup_area_account
SELECT run_id, billing_period, area, account, sum(unblended_cost), sum(amortized_cost), sum(blended_cost), sum(net_amortized_cost)
FROM allocations WHERE billing_period = (SELECT period FROM attr_month) GROUP BY ALL;

