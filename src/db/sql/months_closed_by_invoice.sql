-- Months whose invoice AWS has issued (no line is an estimate) and that are not finalized yet.
SELECT strftime(billing_period, '%Y-%m') FROM billing_lines
GROUP BY billing_period
HAVING count(*) FILTER (WHERE is_estimate IS NOT false) = 0
   AND billing_period NOT IN (SELECT billing_period FROM finalized_months)
ORDER BY 1
