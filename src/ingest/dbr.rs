//! Detailed billing report with resources and tags (DBR-RT): 22 fixed columns
//! (20 for standalone accounts) then `user:*`/`aws:*` tag columns.

use super::columns::{SelectBuilder, region_from_zone};
use super::{Normalization, PeriodSource, period_expr};

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("recordtype") && has("productname") && (has("recordid") || has("invoiceid"))
}

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    use crate::db::LineColumn::*;
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
    let tags = b.prefixed_tags();
    let columns = vec![
        (SourceFormat, "'dbr'".to_owned()),
        (BillingPeriod, period_expr(&start)),
        (PayerAccount, format!("COALESCE({payer}, '')")),
        (UsageAccount, format!("COALESCE({linked}, {payer}, '')")),
        (InvoiceId, invoice.clone()),
        (IsEstimate, format!("COALESCE({invoice} = 'Estimated', false)")),
        (LineType, record_type.clone()),
        (Provider, "'AWS'".to_owned()),
        (ProductName, b.text_or_null(&["productname"])),
        (ProductCode, "NULL".to_owned()),
        (UsageType, b.text_or_null(&["usagetype"])),
        (Operation, b.text_or_null(&["operation"])),
        (Region, region_from_zone(&zone)),
        (AvailabilityZone, zone),
        (ResourceId, resource.clone()),
        (ResourceShort, format!("ap_short_id({resource})")),
        (UsageStart, start),
        (UsageEnd, end),
        (UsageAmount, usage_amount),
        (Currency, "'USD'".to_owned()),
        (UnblendedCost, unblended.clone()),
        (BlendedCost, blended),
        (AmortizedCost, unblended.clone()),
        (NetAmortizedCost, unblended),
        (Tags, b.tag_object(&tags)),
        (Details, "NULL::JSON".to_owned()),
    ];
    // InvoiceTotal, AccountTotal, StatementTotal restate the lines above them.
    // (LIKE, which both engines that read exports spell alike.)
    let is_total = format!("COALESCE({raw_record_type} LIKE '%Total', false)");
    Normalization {
        columns,
        filter: Some(format!("NOT {is_total}")),
        totals: Some(is_total),
        period: PeriodSource::File,
        line_key: record_id,
    }
}
