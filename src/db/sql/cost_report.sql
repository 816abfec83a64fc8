-- The cost of month ?1 (YYYY-MM) grouped by {keys} (each `expression AS kN`,
-- none for the month's total), largest first; {table} is allocations once the
-- month is attributed, else billing_lines; {cost} the cost column.
SELECT {keys}COALESCE(sum({cost}), 0) AS cost, sum({cost}) AS sort_cost
FROM {table}
WHERE billing_period = strptime(?1, '%Y-%m')::DATE
{group}
ORDER BY sort_cost DESC{order_keys}
