-- What each billing period's attribution depends on, as one fingerprint per
-- month: the files its lines and split cost allocation rows came from (a
-- file's split rows are its own, so its id covers them), the tasks and attachments over the
-- hours its instance and volume lines span (clipped to those hours, so a
-- task that stops next month changes nothing here). db hashes it with the
-- rules, settings, service map and container instances every month shares
-- into the month's fingerprint. A month whose fingerprint is what its last
-- attribution saw needs no new one.
WITH months AS (
    SELECT billing_period,
           CAST(list_sort(list(DISTINCT file_id)) AS VARCHAR) AS files,
           min(usage_start) FILTER (WHERE resource_short LIKE 'i-%' OR resource_short LIKE 'vol-%') AS lo,
           max(usage_end) FILTER (WHERE resource_short LIKE 'i-%' OR resource_short LIKE 'vol-%') AS hi
    FROM billing_lines GROUP BY billing_period),
splits AS (
    SELECT billing_period, CAST(list_sort(list(DISTINCT file_id)) AS VARCHAR) AS files
    FROM scad_splits GROUP BY billing_period),
tasks AS (
    -- A span inside the hours counts by its stored print; one crossing them by
    -- the part of it inside (so a stop next month changes nothing here).
    SELECT m.billing_period,
           bit_xor(CASE WHEN t.started_at >= m.lo AND t.stopped_at <= m.hi THEN t.print
                        ELSE ap_span_print(t.task_arn, t.ci_key, t.service, t.cluster_arn, t.cpu_units, t.memory_mb,
                                           greatest(t.started_at, m.lo),
                                           least(COALESCE(t.stopped_at, 'infinity'::TIMESTAMP), m.hi)) END) AS k,
           count(*) AS n
    FROM months m JOIN ecs_task_spans t
      ON t.started_at < m.hi AND COALESCE(t.stopped_at, 'infinity'::TIMESTAMP) > m.lo
    GROUP BY 1),
attachments AS (
    SELECT m.billing_period,
           bit_xor(md5_number(CAST({'volume': a.volume_id, 'instance': a.instance_id,
                                    'from': greatest(a.att_start, m.lo), 'to': least(a.att_end, m.hi)} AS VARCHAR))) AS k,
           count(*) AS n
    FROM months m JOIN ebs_attachments a ON a.att_start < m.hi AND a.att_end > m.lo
    GROUP BY 1)
SELECT strftime(m.billing_period, '%Y-%m'),
       concat_ws('|', m.files, COALESCE(s.files, '-'),
                     COALESCE(CAST(t.k AS VARCHAR), '-'), COALESCE(CAST(t.n AS VARCHAR), '0'),
                     COALESCE(CAST(a.k AS VARCHAR), '-'), COALESCE(CAST(a.n AS VARCHAR), '0'))
FROM months m
LEFT JOIN splits s USING (billing_period)
LEFT JOIN tasks t USING (billing_period)
LEFT JOIN attachments a USING (billing_period)
ORDER BY 1;
