//! Legacy Cost and Usage Report (`lineItem/UnblendedCost` headers, or the
//! Athena snake_case form) and CUR 2.0 (snake_case with map columns), and the
//! split cost allocation data rows either may carry.

use super::columns::{Columns, SelectBuilder, key, region_from_zone, unique_tags};
use super::{Normalization, PeriodSource, period_expr};
use crate::db::SplitColumn;

/// `split_line_item_parent_resource_id` / `splitLineItem/ParentResourceId`:
/// set on split cost allocation rows of a task or pod on an EC2 instance.
const SPLIT_PARENT: &[&str] = &["splitlineitemparentresourceid"];

/// `lineItem/…` columns beside `bill/…` or `identity/…` ones, in either spelling.
pub fn is_header(keys: &[String]) -> bool {
    keys.iter().any(|k| k.starts_with("lineitem"))
        && keys.iter().any(|k| k.starts_with("bill") || k.starts_with("identity"))
}

/// CUR 2.0 carries tags (and product, discount, cost category) as map columns.
pub fn is_cur2(names: &[String]) -> bool {
    names
        .iter()
        .any(|n| matches!(n.as_str(), "resource_tags" | "cost_category" | "discount" | "product"))
}

pub fn normalize(b: &mut SelectBuilder<'_>, cur2: bool) -> Normalization {
    use crate::db::LineColumn::*;
    let line_type = b.text_or_null(&["lineitemlineitemtype"]);
    let payer = b.text_or_null(&["billpayeraccountid"]);
    let usage_account = b.text_or_null(&["lineitemusageaccountid"]);
    let invoice = b.text(&["billinvoiceid"]);
    let zone = b.text_or_null(&["lineitemavailabilityzone"]);
    let resource = b.resource(&["lineitemresourceid"]);
    let product_code = b.text_or_null(&["lineitemproductcode"]);
    let unblended = b.money(&["lineitemunblendedcost"]);
    let unblended = b.require(unblended, "lineItem/UnblendedCost");
    let blended = b.money(&["lineitemblendedcost"]).unwrap_or_else(|| unblended.clone());
    let amortized = amortized_expr(b, &line_type, &unblended);
    let net_amortized = net_amortized_expr(b, &line_type, &amortized);
    let (start, end) = b.usage_interval(&["lineitemusagestartdate"], &["lineitemusageenddate"]);
    // A line belongs to its bill's period; a CUR without the column is one
    // statement, whose month is the one most of its lines were used in.
    let bill_start = b.time(&["billbillingperiodstartdate"]);
    let (period_source, period) = match bill_start {
        Some(bill) => (bill, PeriodSource::Column),
        None if start != "NULL" => (start.clone(), PeriodSource::File),
        None => (
            b.require(None, "bill/BillingPeriodStartDate (or lineItem/UsageStartDate)"),
            PeriodSource::File,
        ),
    };
    let line_key = match (b.raw(&["identitylineitemid"]), b.raw(&["identitytimeinterval"])) {
        (Some(id), Some(interval)) => Some(format!("{id} || '/' || COALESCE({interval}, '')")),
        (id, _) => id,
    };
    let usage_amount = b.number_or_null(&["lineitemusageamount"]);
    let product_name = {
        let mut options = Vec::new();
        options.extend(b.text(&["productproductname"]));
        // CUR 2.0 keeps product attributes in one map column (a JSON object in CSV).
        match b.columns.type_of("product") {
            Some("MAP(VARCHAR, VARCHAR)") if cur2 => {
                let k = b.key("\"product\"['product_name']".to_owned());
                options.push(format!("ap_text({k})"));
            }
            Some("VARCHAR" | "JSON") if cur2 => {
                let d = b.columns.dialect();
                let k = b.key(d.json_field(&d.identifier("product"), "product_name"));
                options.push(k);
            }
            _ => {}
        }
        options.push(product_code.clone());
        format!("COALESCE({})", options.join(", "))
    };
    let region = {
        let mut options = Vec::new();
        options.extend(b.text(&["productregioncode"]));
        options.extend(b.text(&["productregion"]));
        options.push(region_from_zone(&zone));
        format!("COALESCE({})", options.join(", "))
    };
    let tags = tag_expr(b);
    // Split cost allocation rows describe how to divide their parent instance's
    // line, which stays in the export: they are never money (see split_rows).
    let filter = b.raw(SPLIT_PARENT).map(|parent| format!("{parent} IS NULL"));
    let columns = vec![
        (SourceFormat, if cur2 { "'cur2'" } else { "'cur'" }.to_owned()),
        (BillingPeriod, period_expr(&period_source)),
        (PayerAccount, format!("COALESCE({payer}, '')")),
        (UsageAccount, format!("COALESCE({usage_account}, {payer}, '')")),
        (InvoiceId, invoice.clone().unwrap_or_else(|| "NULL".to_owned())),
        // An empty invoice id means AWS has not issued the invoice: the month is an estimate.
        (
            IsEstimate,
            invoice.map_or("NULL".to_owned(), |i| format!("{i} IS NULL")),
        ),
        (LineType, line_type),
        (Provider, "'AWS'".to_owned()),
        (ProductName, product_name),
        (ProductCode, product_code),
        (UsageType, b.text_or_null(&["lineitemusagetype"])),
        (Operation, b.text_or_null(&["lineitemoperation"])),
        (Region, region),
        (AvailabilityZone, zone),
        (ResourceId, resource.clone()),
        (ResourceShort, format!("ap_short_id({resource})")),
        (UsageStart, start),
        (UsageEnd, end),
        (UsageAmount, usage_amount),
        (Currency, b.text_or_null(&["lineitemcurrencycode"])),
        (UnblendedCost, unblended),
        (BlendedCost, blended),
        (AmortizedCost, amortized),
        (NetAmortizedCost, net_amortized),
        (Tags, tags),
        (Details, "NULL::JSON".to_owned()),
    ];
    Normalization {
        columns,
        totals: None,
        filter,
        period,
        line_key,
    }
}

/// The split cost allocation rows of an export, described for db: the
/// builder of their grouped rows (and the values it parses), what each staged
/// column holds, and which lines they are.
pub struct SplitRows<'a> {
    pub builder: SelectBuilder<'a>,
    pub columns: Vec<(SplitColumn, String)>,
    pub filter: String,
}

/// The split cost allocation data of an ECS task or EKS pod on EC2 (its
/// rows name a parent instance and the task's or pod's ARN), as the rows
/// staged for `scad_splits`: per task, interval and usage type, its split
/// and unused cost and usage, its tags and its bill's period; None when the
/// export has no such column.
pub fn split_rows(columns: &Columns) -> Option<SplitRows<'_>> {
    use SplitColumn::*;
    let mut b = SelectBuilder::new(columns);
    let parent_raw = b.raw(SPLIT_PARENT)?;
    let task_raw = b.raw(&["lineitemresourceid"])?;
    let parent = b.text(SPLIT_PARENT)?;
    let task = b.text(&["lineitemresourceid"])?;
    let payer = b.text_or_null(&["billpayeraccountid"]);
    let usage_account = b.text_or_null(&["lineitemusageaccountid"]);
    let start = b.time(&["lineitemusagestartdate"]).unwrap_or_else(|| "NULL".to_owned());
    let end = b.time(&["lineitemusageenddate"]).unwrap_or_else(|| "NULL".to_owned());
    let period = b.time(&["billbillingperiodstartdate"]).unwrap_or_else(|| start.clone());
    let usage_type = b.text_or_null(&["lineitemusagetype"]);
    let money = |b: &mut SelectBuilder<'_>, k: &str| b.money(&[k]).unwrap_or_else(|| "0".to_owned());
    let split_cost = money(&mut b, "splitlineitemsplitcost");
    let unused_cost = money(&mut b, "splitlineitemunusedcost");
    let split_usage = b.number_or_null(&["splitlineitemsplitusage"]);
    let ratio = b.number_or_null(&["splitlineitemsplitusageratio"]);
    let reserved = b.number_or_null(&["splitlineitemreservedusage"]);
    let actual = b.number_or_null(&["splitlineitemactualusage"]);
    let tags = tag_expr(&mut b);
    let columns = vec![
        (BillingPeriod, period_expr(&period)),
        (PayerAccount, format!("COALESCE({payer}, '')")),
        (UsageAccount, format!("COALESCE({usage_account}, {payer}, '')")),
        (TaskArn, task),
        (InstanceId, format!("ap_short_id({parent})")),
        (UsageType, usage_type),
        (UsageStart, start),
        (UsageEnd, end),
        (SplitCost, split_cost),
        (UnusedCost, unused_cost),
        (SplitUsage, split_usage),
        (UsageRatio, ratio),
        (Reserved, reserved),
        (Actual, actual),
        (Tags, tags),
    ];
    let filter = format!(
        "{parent_raw} IS NOT NULL AND ({task_raw} LIKE 'arn:%:ecs:%:task/%' OR {task_raw} LIKE 'arn:%:eks:%:pod/%')"
    );
    Some(SplitRows {
        builder: b,
        columns,
        filter,
    })
}

/// The standard amortization of RI and Savings Plan charges. Branches whose
/// inputs the file lacks are left out, so those lines keep their unblended cost.
fn amortized_expr(b: &mut SelectBuilder<'_>, line_type: &str, unblended: &str) -> String {
    let mut branches = Vec::new();
    if let Some(effective) = b.money(&["savingsplansavingsplaneffectivecost"]) {
        branches.push(format!("WHEN 'SavingsPlanCoveredUsage' THEN {effective}"));
    }
    branches.push("WHEN 'SavingsPlanNegation' THEN 0".to_owned());
    branches.push("WHEN 'SavingsPlanUpfrontFee' THEN 0".to_owned());
    if let (Some(total), Some(used)) = (
        b.money(&["savingsplantotalcommitmenttodate"]),
        b.money(&["savingsplanusedcommitment"]),
    ) {
        branches.push(format!("WHEN 'SavingsPlanRecurringFee' THEN {total} - {used}"));
    }
    if let Some(effective) = b.money(&["reservationeffectivecost"]) {
        branches.push(format!("WHEN 'DiscountedUsage' THEN {effective}"));
    }
    if let (Some(upfront), Some(recurring)) = (
        b.money(&["reservationunusedamortizedupfrontfeeforbillingperiod"]),
        b.money(&["reservationunusedrecurringfee"]),
    ) {
        branches.push(format!("WHEN 'RIFee' THEN {upfront} + {recurring}"));
    }
    let mut expr = format!("CASE {line_type} {} ELSE {unblended} END", branches.join(" "));
    // The one-off upfront fee of a reservation is spread over its term by the lines above.
    if let Some(arn) = b.text(&["reservationreservationarn"]) {
        expr = format!("CASE WHEN {line_type} = 'Fee' AND {arn} IS NOT NULL THEN 0 ELSE {expr} END");
    }
    format!("CAST({expr} AS DECIMAL(38, 10))")
}

/// Net amortized cost: amortized cost after discounts, from the net columns
/// where the export has them (`lineItem/NetUnblendedCost`,
/// `savingsPlan/NetSavingsPlanEffectiveCost`, `reservation/NetEffectiveCost`,
/// the reservation's net unused fees, and their CUR 2.0 names). Without
/// `NetUnblendedCost` the export carries no net view: amortized it is.
fn net_amortized_expr(b: &mut SelectBuilder<'_>, line_type: &str, amortized: &str) -> String {
    let Some(net) = b.money(&["lineitemnetunblendedcost"]) else {
        return amortized.to_owned();
    };
    let mut branches = vec![
        "WHEN 'SavingsPlanNegation' THEN 0".to_owned(),
        "WHEN 'SavingsPlanUpfrontFee' THEN 0".to_owned(),
        format!("WHEN 'SavingsPlanRecurringFee' THEN {amortized}"),
    ];
    let sp = b
        .money(&["savingsplannetsavingsplaneffectivecost"])
        .unwrap_or_else(|| amortized.to_owned());
    branches.push(format!("WHEN 'SavingsPlanCoveredUsage' THEN {sp}"));
    let ri = b
        .money(&["reservationneteffectivecost"])
        .unwrap_or_else(|| amortized.to_owned());
    branches.push(format!("WHEN 'DiscountedUsage' THEN {ri}"));
    match (
        b.money(&["reservationnetunusedamortizedupfrontfeeforbillingperiod"]),
        b.money(&["reservationnetunusedrecurringfee"]),
    ) {
        (Some(upfront), Some(recurring)) => branches.push(format!("WHEN 'RIFee' THEN {upfront} + {recurring}")),
        _ => branches.push(format!("WHEN 'RIFee' THEN {amortized}")),
    }
    format!(
        "CAST(CASE {line_type} {} ELSE {net} END AS DECIMAL(38, 10))",
        branches.join(" ")
    )
}

/// Tags are read from one place. Newer CUR 2.0 exports carry them twice: in
/// `tags` as the keys were written (`resourceTags/user:CostCenter`), the
/// spelling DBR, legacy CUR and FOCUS use too, and in `resource_tags` renamed
/// to snake case (`user_cost_center`); `tags` wins.
fn tag_expr(b: &mut SelectBuilder<'_>) -> String {
    for column in ["tags", "resource_tags"] {
        if let Some(t) = b.columns.type_of(column) {
            let t = t.to_owned();
            return b.tag_map(column, &t);
        }
    }
    let tags: Vec<(String, String)> = b
        .columns
        .iter()
        .filter_map(|(name, _)| {
            let stored = if let Some(rest) = name.strip_prefix("resourceTags/") {
                rest.strip_prefix("user:").unwrap_or(rest)
            } else if let Some(rest) = name.strip_prefix("resource_tags_") {
                rest.strip_prefix("user_").unwrap_or(rest)
            } else {
                return None;
            };
            (!key(stored).is_empty()).then(|| (stored.to_owned(), name.to_owned()))
        })
        .collect();
    b.tag_object(&unique_tags(tags))
}
