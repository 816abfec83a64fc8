//! `reconcile` output: the invoice by kind of charge as a table, then the
//! checks (allocated against billed, the invoices, the commitments).

use std::io::{self, Write};

use super::usd;
use crate::db::{CostMeasure, Reconciliation};
use crate::money::Money;
use crate::safe_text::for_terminal;

pub fn write_reconciliation(r: &Reconciliation, measure: CostMeasure, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "bill of {} ({} cost), by charge", r.month, measure.label())?;
    let header = ["charge", "billed", "to areas", "by split", "unallocated"];
    let mut body: Vec<[String; 5]> = r
        .rows
        .iter()
        .map(|row| {
            [
                for_terminal(&row.charge).into_owned(),
                usd(row.billed),
                usd(row.direct),
                usd(row.by_split),
                usd(row.unallocated),
            ]
        })
        .collect();
    let sum = |f: fn(&crate::db::ChargeRow) -> Money| r.rows.iter().map(f).sum::<Money>();
    body.push([
        "total".to_owned(),
        usd(r.billed),
        usd(sum(|c| c.direct)),
        usd(sum(|c| c.by_split)),
        usd(sum(|c| c.unallocated)),
    ]);
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            body.iter()
                .map(|row| row[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| -> String {
        let mut text = format!("  {:<w$}", cells[0], w = widths[0]);
        for (i, cell) in cells.iter().enumerate().skip(1) {
            text.push_str(&format!("  {cell:>w$}", w = widths[i]));
        }
        text
    };
    writeln!(out, "{}", line(&header))?;
    for (i, row) in body.iter().enumerate() {
        if i + 1 == body.len() {
            writeln!(out, "  {}", "-".repeat(widths.iter().sum::<usize>() + 2 * 4))?;
        }
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    let unused: Money = sum(|c| c.unused);
    let commitment = r.rows.iter().find(|c| c.charge == "commitment");
    if let Some(c) = commitment {
        writeln!(
            out,
            "commitments: {} billed, {} of it unused (the pseudo-area (unused commitment), before splits)",
            usd(c.billed),
            usd(unused)
        )?;
    }
    for (invoice, total, estimate) in &r.invoices {
        let state = match estimate {
            Some(true) => " (an estimate)",
            _ => "",
        };
        writeln!(out, "invoice {}: {}{state}", for_terminal(invoice), usd(*total))?;
    }
    write_stated_totals(r, measure, out)?;
    if r.allocated == r.billed {
        writeln!(
            out,
            "allocated {} = billed {}: every dollar reached an area or a pseudo-area",
            usd(r.allocated),
            usd(r.billed)
        )
    } else if r.allocated == Money::ZERO {
        writeln!(
            out,
            "not attributed yet: run `apportion attribute` (billed {})",
            usd(r.billed)
        )
    } else {
        writeln!(
            out,
            "allocated {} differs from billed {} by {}: attribute the month again",
            usd(r.allocated),
            usd(r.billed),
            usd(r.allocated - r.billed)
        )
    }
}

/// The totals the export states about itself, each against its lines.
fn write_stated_totals(r: &Reconciliation, measure: CostMeasure, out: &mut dyn Write) -> io::Result<()> {
    if r.stated.is_empty() {
        return Ok(());
    }
    let basis = match measure {
        CostMeasure::Blended => "blended",
        _ => "unblended",
    };
    writeln!(out, "the export's own totals against its lines ({basis} cost):")?;
    for t in &r.stated {
        let subject = match t.record_type.as_str() {
            "InvoiceTotal" => format!("invoice {}", for_terminal(&t.subject)),
            "AccountTotal" => format!("account {}", for_terminal(&t.subject)),
            _ => format!("statement of payer {}", for_terminal(&t.subject)),
        };
        let verdict = if t.holds() {
            "equal".to_owned()
        } else {
            format!("DIFFER by {}", usd(t.lines - t.stated))
        };
        writeln!(
            out,
            "  {subject}: {} {}, lines {}: {verdict}",
            for_terminal(&t.record_type),
            usd(t.stated),
            usd(t.lines)
        )?;
    }
    if r.stated.iter().any(|t| !t.holds()) {
        writeln!(
            out,
            "the lines do not add up to the totals the export states: the export is incomplete or was edited"
        )?;
    }
    Ok(())
}
