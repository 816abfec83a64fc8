fn main() {
    for p in ["/tmp/dd1/d.duckdb", "/tmp/dd2/d.duckdb"] {
        let c = duckdb::Connection::open(p).unwrap();
        for q in [
            "SELECT count(*)::VARCHAR || ' ' || sum(unblended_cost)::VARCHAR FROM billing_lines WHERE resource_short = 'vol-0006699985f30963e'",
            "SELECT string_agg(instance_id || '@' || att_start::VARCHAR || '-' || att_end::VARCHAR, '; ' ORDER BY att_start) FROM ebs_attachments WHERE volume_id = 'vol-0006699985f30963e'",
            "SELECT count(*)::VARCHAR FROM ebs_volume_events WHERE volume_id = 'vol-0006699985f30963e'",
            "SELECT string_agg(event_name || '@' || event_time::VARCHAR || '/' || COALESCE(instance_id,'-'), '; ' ORDER BY event_time, event_name) FROM ebs_volume_events WHERE volume_id = 'vol-0006699985f30963e'",
        ] {
            let r: String = c.query_row(q, [], |r| r.get(0)).unwrap();
            println!("{p}: {r}");
        }
    }
}
