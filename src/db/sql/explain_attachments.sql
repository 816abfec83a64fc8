-- Attachments overlapping month ?1 (= ?2) of volume or instance ?3 (= ?4).
WITH m AS (SELECT strptime(?, '%Y-%m') AS s, strptime(?, '%Y-%m') + INTERVAL 1 MONTH AS e)
SELECT volume_id, instance_id, strftime(att_start, '%Y-%m-%d %H:%M:%S'),
       CASE WHEN isinf(att_end) THEN 'end of data' ELSE strftime(att_end, '%Y-%m-%d %H:%M:%S') END
FROM ebs_attachments CROSS JOIN m
WHERE (volume_id = ? OR instance_id = ?) AND att_start < m.e AND att_end > m.s
ORDER BY att_start, volume_id
