-- Tags and rules judged once per signature (a kind of line: the columns a
-- rule matches, see rules::MATCHERS), for a_sig (sig_id and those columns):
-- by attribute.sql over the month's plain pieces, and by rule_delta.sql over
-- what is still open when rules were appended. Inputs attr_rules and
-- attr_rule_tags; placeholders rule_match, tag_entries and sig_tag_matches as in attribute.sql.
CREATE OR REPLACE TEMP TABLE a_sig_tags AS
SELECT sig_id, {tag_entries} AS entries
FROM a_sig WHERE tags IS NOT NULL;

CREATE OR REPLACE TEMP TABLE a_sig_rule AS
SELECT g.sig_id, min_by(CASE WHEN r.area IS NOT NULL THEN r.area ELSE trim(ap_tag_value_in(t.entries, r.area_from_keys)) END, r.n) AS area,
       min(r.n) AS n
FROM a_sig g
LEFT JOIN a_sig_tags t USING (sig_id)
JOIN attr_rules r
  ON {rule_match}
 AND (r.area_from_tag IS NULL OR ap_tag_value_in(t.entries, r.area_from_keys) IS NOT NULL)
-- (A condition on both sides of the join, in WHERE: Spark takes no subquery
-- that reads both inputs in a join's ON.)
WHERE NOT EXISTS (SELECT 1 FROM attr_rule_tags rt
                 WHERE rt.n = r.n AND NOT COALESCE({sig_tag_matches}, false))
GROUP BY g.sig_id;

