-- A month's statement totals against its lines: per InvoiceTotal the lines
-- of that invoice, per AccountTotal those of that linked account, per
-- StatementTotal those of that payer. ?1 the month (YYYY-MM); {cost} and
-- {stated} the measure's column in billing_lines and statement_totals.
WITH month_lines AS (
    SELECT * FROM billing_lines WHERE billing_period = strptime(?1, '%Y-%m')::DATE
), stated AS (
    SELECT record_type, payer_account,
           CASE record_type WHEN 'InvoiceTotal' THEN COALESCE(invoice_id, '')
                            WHEN 'AccountTotal' THEN usage_account
                            ELSE payer_account END AS subject,
           sum({stated}) AS stated
    FROM statement_totals
    WHERE billing_period = strptime(?1, '%Y-%m')::DATE
      AND record_type IN ('InvoiceTotal', 'AccountTotal', 'StatementTotal')
    GROUP BY ALL
)
SELECT s.record_type, s.subject, s.stated,
       COALESCE((SELECT sum(l.{cost}) FROM month_lines l
                 WHERE l.payer_account = s.payer_account
                   AND CASE s.record_type WHEN 'InvoiceTotal' THEN COALESCE(l.invoice_id, '')
                                          WHEN 'AccountTotal' THEN l.usage_account
                                          ELSE l.payer_account END = s.subject), 0) AS lines
FROM stated s
ORDER BY CASE s.record_type WHEN 'InvoiceTotal' THEN 1 WHEN 'AccountTotal' THEN 2 ELSE 3 END, s.subject
