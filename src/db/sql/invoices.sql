-- The invoices a month's lines name, each with its lines' total and whether
-- the export calls it an estimate. ?1 the month (YYYY-MM); cost is the
-- measure's column.
SELECT invoice_id, sum({cost}), bool_or(is_estimate)
FROM billing_lines
WHERE billing_period = strptime(?1, '%Y-%m')::DATE AND COALESCE(invoice_id, '') <> ''
GROUP BY 1
ORDER BY 1
