-- The month's bill by kind of charge, and where each kind's money went:
-- to areas directly, to areas by a split, or still in a pseudo-area
-- ((unallocated), (idle), (unmapped), (unused commitment)); and how much of
-- it was a commitment's unused part. Billed comes from the bill's lines,
-- the rest from the latest attribution, so billed = direct + by split +
-- unallocated when the month is attributed.
-- Parameters: ?1 the month (YYYY-MM). Placeholders: cost, the measure's
-- column; pseudo_areas; method_split.
WITH billed AS (
    SELECT ap_charge(line_type, COALESCE(product_code, product_name)) AS charge, sum({cost}) AS billed
    FROM billing_lines WHERE billing_period = strptime(?1, '%Y-%m')::DATE
    GROUP BY 1),
went AS (
    SELECT charge,
           sum({cost}) FILTER (WHERE NOT starts_with(method, {method_split}) AND area NOT IN {pseudo_areas}) AS direct,
           sum({cost}) FILTER (WHERE starts_with(method, {method_split}) AND area NOT IN {pseudo_areas}) AS by_split,
           sum({cost}) FILTER (WHERE area IN {pseudo_areas}) AS unallocated,
           sum({cost}) FILTER (WHERE direct_area = '(unused commitment)') AS unused
    FROM allocations WHERE billing_period = strptime(?1, '%Y-%m')::DATE
    GROUP BY 1)
SELECT charge, COALESCE(billed, 0), COALESCE(direct, 0), COALESCE(by_split, 0),
       COALESCE(unallocated, CASE WHEN (SELECT count(*) FROM went) = 0 THEN billed END, 0), COALESCE(unused, 0)
FROM billed FULL JOIN went USING (charge)
ORDER BY list_position(['usage', 'commitment', 'fee', 'discount', 'credit', 'refund', 'tax', 'other'], charge), charge;
