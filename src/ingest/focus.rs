//! FinOps FOCUS 1.0–1.3 exports: `BilledCost`/`EffectiveCost`, `Tags` as a
//! JSON object, provider extensions in `x_*` columns.
//!
//! What each version added is read where present: `ServiceProviderName`
//! (1.3) before the deprecated `ProviderName`; a 1.3 provider-side split
//! (`AllocatedResourceId`, `AllocatedTags`) as the line's resource and tags;
//! `InvoiceId` (1.2). `ChargeClass = Correction` rows belong to the billing
//! period that carries them, like every line (`BillingPeriodStart`, not the
//! period they correct). Every other column of the file is stored in the
//! line's `details` (JSON: `SkuPriceDetails`, `ContractApplied`,
//! `CommitmentDiscount*`, `ListCost` ...), never read as money; scalar `x_`
//! columns are tags as well, so rules (and `area_from_column`) read them.

use super::columns::{SelectBuilder, key, region_from_zone};
use super::{Normalization, PeriodSource, period_expr};
use crate::db::quote;

pub fn is_header(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("chargeperiodstart")
        && (has("billingaccountid") || has("servicename"))
        && (has("billedcost") || has("effectivecost") || has("listcost"))
}

/// Columns mapped to the line's own columns (by normalized name); the rest
/// go to `details`.
const MAPPED: &[&str] = &[
    "billingaccountid",
    "subaccountid",
    "invoiceid",
    "availabilityzone",
    "resourceid",
    "allocatedresourceid",
    "billedcost",
    "effectivecost",
    "chargeperiodstart",
    "chargeperiodend",
    "billingperiodstart",
    "regionid",
    "tags",
    "allocatedtags",
    "chargecategory",
    "providername",
    "serviceprovidername",
    "servicename",
    "xservicecode",
    "xusagetype",
    "xoperation",
    "consumedquantity",
    "billingcurrency",
];

/// Quantities and money summed when lines are grouped (the rest of
/// `details` is grouped by).
const SUMMED: &[&str] = &[
    "listcost",
    "contractedcost",
    "pricingquantity",
    "pricingcurrencyeffectivecost",
    "commitmentdiscountquantity",
];

/// `x_` columns that hold JSON objects (AWS's discounts and cost
/// categories): details only, never tags.
const X_OBJECTS: &[&str] = &["xdiscounts", "xcostcategories"];

/// Columns the FOCUS spec types as JSON, stored nested in `details`.
const JSON_COLUMNS: &[&str] = &[
    "skupricedetails",
    "contractapplied",
    "allocatedmethoddetails",
    "xdiscounts",
    "xcostcategories",
];

pub fn normalize(b: &mut SelectBuilder<'_>) -> Normalization {
    use crate::db::LineColumn::*;
    let payer = b.text_or_null(&["billingaccountid"]);
    let sub_account = b.text_or_null(&["subaccountid"]);
    let invoice = b.text(&["invoiceid"]);
    let zone = b.text_or_null(&["availabilityzone"]);
    let own_resource = b.resource(&["resourceid"]);
    let resource = match b.text(&["allocatedresourceid"]) {
        Some(allocated) => format!("COALESCE(NULLIF({allocated}, ''), {own_resource})"),
        None => own_resource,
    };
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
    let tags = tags(b);
    let details = details(b);
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
        (Provider, b.text_or_null(&["serviceprovidername", "providername"])),
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
        (Details, details),
    ];
    Normalization {
        columns,
        totals: None,
        filter: None,
        period,
        line_key: None,
    }
}

/// `Tags`, overlaid by a 1.3 split's `AllocatedTags` (the workload's own
/// tags), and the scalar `x_` columns under their own names.
fn tags(b: &mut SelectBuilder<'_>) -> String {
    let mut objects = Vec::new();
    for wanted in ["tags", "allocatedtags"] {
        if let Some(name) = b.columns.find(&[wanted]) {
            let (name, t) = (name.to_owned(), b.columns.type_of(name).unwrap_or("VARCHAR").to_owned());
            objects.push(b.tag_map(&name, &t));
        }
    }
    let extensions: Vec<(String, String)> = b
        .columns
        .iter()
        .filter(|(name, t)| {
            let k = key(name);
            name.starts_with("x_") && !MAPPED.contains(&k.as_str()) && !X_OBJECTS.contains(&k.as_str()) && is_scalar(t)
        })
        .map(|(name, _)| (name.to_owned(), name.to_owned()))
        .collect();
    if !extensions.is_empty() {
        objects.push(b.tag_object(&extensions));
    }
    match objects.len() {
        0 => "NULL::JSON".to_owned(),
        1 => objects.remove(0),
        _ => {
            let merged = objects
                .iter()
                .map(|o| format!("COALESCE({o}, '{{}}'::JSON)"))
                .reduce(|a, o| format!("json_merge_patch({a}, {o})"))
                .unwrap_or_default();
            // A patch drops its null (empty) cells; no tag at all is NULL.
            format!("NULLIF(CAST({merged} AS VARCHAR), '{{}}')::JSON")
        }
    }
}

/// Every column the line's own columns do not hold, as a JSON object under
/// the file's names: quantities and money summed over grouped lines, the
/// spec's JSON columns nested, the rest as text.
fn details(b: &mut SelectBuilder<'_>) -> String {
    let rest: Vec<(String, String)> = b
        .columns
        .iter()
        .filter(|(name, _)| !MAPPED.contains(&key(name).as_str()))
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    if rest.is_empty() {
        return "NULL::JSON".to_owned();
    }
    let mut pairs = Vec::new();
    for (name, duck_type) in rest {
        let k = key(&name);
        let value = if SUMMED.contains(&k.as_str()) {
            b.number_or_null(&[&k])
        } else if !is_scalar(&duck_type) {
            let d = b.columns.dialect();
            let text = b.key(d.json_text(&d.identifier(&name)));
            format!("CAST({text} AS JSON)")
        } else if JSON_COLUMNS.contains(&k.as_str()) {
            let text = b.text_or_null(&[&k]);
            format!("TRY_CAST({text} AS JSON)")
        } else {
            b.text_or_null(&[&k])
        };
        pairs.push(format!("{}, {value}", quote::literal(&name)));
    }
    format!("json_object({})", pairs.join(", "))
}

/// Whether a DuckDB column type holds one value (not a map, struct or
/// list, nor one read as JSON text).
fn is_scalar(duck_type: &str) -> bool {
    !(duck_type.starts_with("MAP")
        || duck_type.starts_with("STRUCT")
        || duck_type.ends_with("[]")
        || duck_type == "JSON")
}
