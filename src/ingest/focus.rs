//! FinOps FOCUS 1.0–1.2 exports: `BilledCost`/`EffectiveCost`, `Tags` as a JSON
//! object, provider extensions in `x_*` columns.

use super::columns::{SelectBuilder, region_from_zone};
use super::{Normalization, PeriodSource, period_expr};

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("chargeperiodstart")
        && (has("billingaccountid") || has("servicename"))
        && (has("billedcost") || has("effectivecost") || has("listcost"))
}

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    use crate::db::LineColumn::*;
    let payer = b.text_or_null(&["billingaccountid"]);
    let sub_account = b.text_or_null(&["subaccountid"]);
    let invoice = b.text(&["invoiceid"]);
    let zone = b.text_or_null(&["availabilityzone"]);
    let resource = b.resource(&["resourceid"]);
    let billed = b.money(&["billedcost"]);
    let billed = b.require(billed, "BilledCost");
    let effective = b.money(&["effectivecost"]).unwrap_or_else(|| billed.clone());
    let (start, end) = b.usage_interval(&["chargeperiodstart"], &["chargeperiodend"]);
    let (period_start, period) = match b.time(&["billingperiodstart"]) {
        Some(bill) => (bill, PeriodSource::Column),
        None => (start.clone(), PeriodSource::File),
    };
    let region = format!(
        "COALESCE({}, {})",
        b.text_or_null(&["regionid"]),
        region_from_zone(&zone)
    );
    let tags = match b.columns.find(&["tags"]) {
        Some(name) => {
            let (name, t) = (name.to_owned(), b.columns.type_of(name).unwrap_or("VARCHAR").to_owned());
            b.tag_map(&name, &t)
        }
        None => "NULL::JSON".to_owned(),
    };
    let columns = vec![
        (SourceFormat, "'focus'".to_owned()),
        (BillingPeriod, period_expr(&period_start)),
        (PayerAccount, format!("COALESCE({payer}, '')")),
        (UsageAccount, format!("COALESCE({sub_account}, {payer}, '')")),
        (InvoiceId, invoice.clone().unwrap_or_else(|| "NULL".to_owned())),
        (
            IsEstimate,
            invoice.map_or("NULL".to_owned(), |i| format!("{i} IS NULL")),
        ),
        (LineType, b.text_or_null(&["chargecategory"])),
        (Provider, b.text_or_null(&["providername", "serviceprovidername"])),
        (ProductName, b.text_or_null(&["servicename"])),
        (ProductCode, b.text_or_null(&["xservicecode"])),
        (UsageType, b.text_or_null(&["xusagetype"])),
        (Operation, b.text_or_null(&["xoperation"])),
        (Region, region),
        (AvailabilityZone, zone),
        (ResourceId, resource.clone()),
        (ResourceShort, format!("ap_short_id({resource})")),
        (UsageStart, start),
        (UsageEnd, end),
        (UsageAmount, b.number_or_null(&["consumedquantity"])),
        (Currency, b.text_or_null(&["billingcurrency"])),
        (UnblendedCost, billed.clone()),
        // FOCUS has no blended cost; BilledCost is what the invoice charges.
        (BlendedCost, billed),
        (AmortizedCost, effective.clone()),
        (NetAmortizedCost, effective),
        (Tags, tags),
    ];
    Normalization {
        columns,
        totals: None,
        filter: None,
        period,
        line_key: None,
    }
}
