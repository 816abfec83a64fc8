-- Split rows of file ?1 belong to the billing period most of the file's lines
-- carry (the earlier one on a tie): all of them when ?2 (the file is one
-- statement), else those with the placeholder period ?3.
UPDATE scad_splits
SET billing_period = COALESCE((SELECT arg_max(billing_period, {'lines': n, 'earlier': -epoch(billing_period)})
                               FROM (SELECT billing_period, sum(line_count) AS n FROM billing_lines
                                     WHERE file_id = ?1 GROUP BY 1)), billing_period)
WHERE file_id = ?1 AND (?2 OR billing_period = ?3::DATE)
