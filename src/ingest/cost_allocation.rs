//! AWS's monthly cost allocation report (`<payer>-aws-cost-allocation-YYYY-MM.csv`):
//! a banner line ("Don't see your tags in the report? …"), then one line per
//! account, product and usage type for the month, with `user:*` tag columns.
//! The oldest tagged history many accounts have.

use super::columns::{SelectBuilder, region_from_zone};
use super::{Normalization, PeriodSource, period_expr};

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("recordtype") && has("totalcost") && has("costbeforetax") && has("billingperiodstartdate")
}

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    use crate::db::LineColumn::*;
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
    let tags = b.prefixed_tags();
    let columns = vec![
        (SourceFormat, "'costalloc'".to_owned()),
        (BillingPeriod, period_expr(&bill_start)),
        (PayerAccount, format!("COALESCE({payer}, '')")),
        (UsageAccount, format!("COALESCE({linked}, {payer}, '')")),
        (InvoiceId, invoice.clone()),
        (IsEstimate, format!("COALESCE({invoice} = 'Estimated', false)")),
        (LineType, record_type.clone()),
        (Provider, "'AWS'".to_owned()),
        (
            ProductName,
            format!(
                "COALESCE({}, {})",
                b.text_or_null(&["productname"]),
                b.text_or_null(&["productcode"])
            ),
        ),
        (ProductCode, b.text_or_null(&["productcode"])),
        (UsageType, b.text_or_null(&["usagetype"])),
        (Operation, b.text_or_null(&["operation"])),
        (Region, region_from_zone(&zone)),
        (AvailabilityZone, zone),
        // A monthly summary: no resources.
        (ResourceId, "NULL".to_owned()),
        (ResourceShort, "NULL".to_owned()),
        (UsageStart, start),
        (UsageEnd, end),
        (UsageAmount, b.number_or_null(&["usagequantity"])),
        (
            Currency,
            format!("COALESCE({}, 'USD')", b.text_or_null(&["currencycode"])),
        ),
        // TotalCost is the line's cost after credits and with tax: what the invoice charges.
        (UnblendedCost, total.clone()),
        (BlendedCost, total.clone()),
        (AmortizedCost, total.clone()),
        (NetAmortizedCost, total),
        (Tags, b.tag_object(&tags)),
        (Details, "NULL::JSON".to_owned()),
    ];
    // Totals restate the lines above them; the disclaimer carries no money.
    // Every other record (LinkedLineItem, PayerLineItem, Rounding, CBRounding) is money.
    let totals = "('InvoiceTotal', 'AccountTotal', 'StatementTotal')";
    Normalization {
        columns,
        filter: Some(format!(
            "NOT COALESCE({raw_record_type} IN {totals} OR {raw_record_type} = 'EstimatedDisclaimer', false)"
        )),
        totals: Some(format!("COALESCE({raw_record_type} IN {totals}, false)")),
        period: PeriodSource::Column,
        line_key: b.raw(&["recordid"]),
    }
}
