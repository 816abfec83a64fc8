//! Detailed billing report with resources and tags (DBR-RT): 22 fixed columns
//! (20 for standalone accounts) then `user:*`/`aws:*` tag columns.

use super::columns::{SelectBuilder, region_from_zone, unique_tags};
use super::{Normalization, PeriodSource, period_expr};

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("recordtype") && has("productname") && (has("recordid") || has("invoiceid"))
}

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    let record_type = b.text_or_null(&["recordtype"]);
    let raw_record_type = b.raw(&["recordtype"]).unwrap_or_else(|| "NULL".to_owned());
    let payer = b.text_or_null(&["payeraccountid"]);
    let linked = b.text_or_null(&["linkedaccountid"]);
    let invoice = b.text_or_null(&["invoiceid"]);
    let zone = b.text_or_null(&["availabilityzone"]);
    let resource = b.resource(&["resourceid"]);
    let record_id = b.raw(&["recordid"]);
    let unblended = b.money(&["unblendedcost", "cost", "blendedcost"]);
    let unblended = b.require(unblended, "UnBlendedCost (or Cost)");
    let blended = b.money(&["blendedcost"]).unwrap_or_else(|| unblended.clone());
    let (start, end) = b.usage_interval(&["usagestartdate"], &["usageenddate"]);
    let usage_amount = b.number_or_null(&["usagequantity"]);
    let tags: Vec<(String, String)> = b
        .columns
        .iter()
        .filter_map(|(name, _)| {
            let stored = name
                .strip_prefix("user:")
                .or_else(|| name.starts_with("aws:").then_some(name))?;
            Some((stored.to_owned(), name.to_owned()))
        })
        .collect();
    let columns = vec![
        ("source_format", "'dbr'".to_owned()),
        ("billing_period", period_expr(&start)),
        ("payer_account", format!("COALESCE({payer}, '')")),
        ("usage_account", format!("COALESCE({linked}, {payer}, '')")),
        ("invoice_id", invoice.clone()),
        ("is_estimate", format!("COALESCE({invoice} = 'Estimated', false)")),
        ("line_type", record_type.clone()),
        ("provider", "'AWS'".to_owned()),
        ("product_name", b.text_or_null(&["productname"])),
        ("product_code", "NULL".to_owned()),
        ("usage_type", b.text_or_null(&["usagetype"])),
        ("operation", b.text_or_null(&["operation"])),
        ("region", region_from_zone(&zone)),
        ("availability_zone", zone),
        ("resource_id", resource.clone()),
        ("resource_short", format!("ap_short_id({resource})")),
        ("usage_start", start),
        ("usage_end", end),
        ("usage_amount", usage_amount),
        ("currency", "'USD'".to_owned()),
        ("unblended_cost", unblended.clone()),
        ("blended_cost", blended),
        ("amortized_cost", unblended),
        ("tags", b.tag_object(&unique_tags(tags))),
    ];
    Normalization {
        columns,
        // InvoiceTotal, AccountTotal, StatementTotal restate the lines above them.
        filter: Some(format!("NOT COALESCE(ends_with({raw_record_type}, 'Total'), false)")),
        period: PeriodSource::File,
        line_key: record_id,
    }
}
