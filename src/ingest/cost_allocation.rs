//! AWS's monthly cost allocation report (`<payer>-aws-cost-allocation-YYYY-MM.csv`):
//! a banner line ("Don't see your tags in the report? …"), then one line per
//! account, product and usage type for the month, with `user:*` tag columns.
//! The oldest tagged history many accounts have.

use super::columns::{SelectBuilder, region_from_zone, unique_tags};
use super::{Normalization, PeriodSource, period_expr};

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("recordtype") && has("totalcost") && has("costbeforetax") && has("billingperiodstartdate")
}

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    let record_type = b.text_or_null(&["recordtype"]);
    let raw_record_type = b.raw(&["recordtype"]).unwrap_or_else(|| "NULL".to_owned());
    let payer = b.text_or_null(&["payeraccountid"]);
    let linked = b.text_or_null(&["linkedaccountid"]);
    let invoice = b.text_or_null(&["invoiceid"]);
    let zone = b.text_or_null(&["availabilityzone"]);
    let total = b.money(&["totalcost"]);
    let total = b.require(total, "TotalCost");
    let (start, end) = b.usage_interval(&["usagestartdate"], &["usageenddate"]);
    let bill_start = b.time(&["billingperiodstartdate"]);
    let bill_start = b.require(bill_start, "BillingPeriodStartDate");
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
        ("source_format", "'costalloc'".to_owned()),
        ("billing_period", period_expr(&bill_start)),
        ("payer_account", format!("COALESCE({payer}, '')")),
        ("usage_account", format!("COALESCE({linked}, {payer}, '')")),
        ("invoice_id", invoice.clone()),
        ("is_estimate", format!("COALESCE({invoice} = 'Estimated', false)")),
        ("line_type", record_type.clone()),
        ("provider", "'AWS'".to_owned()),
        (
            "product_name",
            format!(
                "COALESCE({}, {})",
                b.text_or_null(&["productname"]),
                b.text_or_null(&["productcode"])
            ),
        ),
        ("product_code", b.text_or_null(&["productcode"])),
        ("usage_type", b.text_or_null(&["usagetype"])),
        ("operation", b.text_or_null(&["operation"])),
        ("region", region_from_zone(&zone)),
        ("availability_zone", zone),
        // A monthly summary: no resources.
        ("resource_id", "NULL".to_owned()),
        ("resource_short", "NULL".to_owned()),
        ("usage_start", start),
        ("usage_end", end),
        ("usage_amount", b.number_or_null(&["usagequantity"])),
        (
            "currency",
            format!("COALESCE({}, 'USD')", b.text_or_null(&["currencycode"])),
        ),
        // TotalCost is the line's cost after credits and with tax: what the invoice charges.
        ("unblended_cost", total.clone()),
        ("blended_cost", total.clone()),
        ("amortized_cost", total),
        ("tags", b.tag_object(&unique_tags(tags))),
    ];
    Normalization {
        columns,
        // Totals restate the lines above them; the disclaimer carries no money.
        // Every other record (LinkedLineItem, PayerLineItem, Rounding, CBRounding) is money.
        filter: Some(format!(
            "NOT COALESCE({raw_record_type} IN ('InvoiceTotal', 'AccountTotal', 'StatementTotal', 'EstimatedDisclaimer'), false)"
        )),
        period: PeriodSource::Column,
        line_key: b.raw(&["recordid"]),
    }
}
