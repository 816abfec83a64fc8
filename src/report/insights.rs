//! Output of `coverage`, `spikes`, `unit-cost` and `forecast`, and the
//! least-squares fit behind the forecast.

use std::io::{self, Write};

use super::usd;
use crate::db::{Coverage, KeyReading, Spikes, TagKeyUse, UnitCost};
use crate::money::{Money, percent, percent_change};
use crate::safe_text::for_terminal;

fn name(text: &str) -> String {
    if text.is_empty() {
        "(no resource id)".to_owned()
    } else {
        for_terminal(text).into_owned()
    }
}

pub fn write_coverage(c: &Coverage, month: &str, target: f64, out: &mut dyn Write) -> io::Result<()> {
    let total = c.total.as_f64();
    let covered: Money = c.by_product.iter().map(|(_, v, _)| *v).sum();
    writeln!(
        out,
        "{month}: {} of {} attributed (target {:.0}%)",
        percent(covered.as_f64(), total),
        usd(c.total),
        target * 100.0
    )?;
    for (kind, cost) in &c.by_method {
        writeln!(
            out,
            "  {kind:<12} {:>14}  {:>6}",
            usd(*cost),
            percent(cost.as_f64(), total)
        )?;
    }
    writeln!(out, "\nby AWS product:")?;
    for (product, covered, total) in &c.by_product {
        let share = if total.abs() < Money::parse("0.005").unwrap_or_default() {
            "100.0%".to_owned()
        } else {
            percent(covered.as_f64(), total.as_f64())
        };
        let product = if product.is_empty() {
            "(none)".to_owned()
        } else {
            for_terminal(product).into_owned()
        };
        writeln!(out, "  {share:>6}  {:>14}  {product}", usd(*total))?;
    }
    if c.chase.is_empty() {
        writeln!(out, "\nnothing to chase: coverage is at or above the target")?;
    } else {
        writeln!(
            out,
            "\ntag these next (unallocated, largest first) to reach {:.0}%:",
            target * 100.0
        )?;
        for ch in &c.chase {
            writeln!(
                out,
                "  {:>14}  → {:>6}  {}  ({})",
                usd(ch.cost),
                percent(ch.coverage_after, 1.0),
                name(&ch.resource),
                name(&ch.product)
            )?;
        }
    }
    if !c.groups.is_empty() {
        writeln!(
            out,
            "\nor claim these groups, one rule each ({} rows above; `apportion tag assign`):",
            c.chase.len()
        )?;
        for g in &c.groups {
            writeln!(
                out,
                "  {:>14}  → {:>6}  {}  [{}]",
                usd(g.cost),
                percent(g.coverage_after, 1.0),
                for_terminal(&g.label()),
                for_terminal(&g.rule("AREA").describe())
            )?;
        }
    }
    writeln!(out, "\ncoverage by month:")?;
    for (m, share) in &c.history {
        writeln!(out, "  {m}  {:>6}", percent(*share, 1.0))?;
    }
    Ok(())
}

/// `coverage --tag-keys`: the month's tag keys read as the area key, and
/// those spelled like it that are not (yet) aliases.
pub fn write_tag_keys(area_key: &str, keys: &[TagKeyUse], month: &str, out: &mut dyn Write) -> io::Result<()> {
    let area_key = for_terminal(area_key);
    writeln!(
        out,
        "{month}: tag keys like the area key {area_key:?} (unblended cost of the lines carrying each)"
    )?;
    if keys.is_empty() {
        return writeln!(out, "  no line carries a key like it");
    }
    for k in keys {
        let reading = match k.reading {
            KeyReading::Same => "read".to_owned(),
            KeyReading::Alias => "read (alias)".to_owned(),
            KeyReading::LooksLike => "not read".to_owned(),
        };
        writeln!(
            out,
            "  {reading:<13} {:>14}  {:>9} lines  {:>5} values  {}",
            usd(k.cost),
            k.lines,
            k.values,
            for_terminal(&k.key)
        )?;
    }
    let missing: Vec<String> = keys
        .iter()
        .filter(|k| k.reading == KeyReading::LooksLike)
        .map(|k| format!("{:?}", for_terminal(&k.key)))
        .collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "\nto read the keys not read as {area_key:?}, add to rules.toml:\n[tag_aliases]\n{area_key} = [{}]",
            missing.join(", ")
        )?;
    }
    Ok(())
}

pub fn write_spikes(s: &Spikes, out: &mut dyn Write) -> io::Result<()> {
    let Some(previous) = &s.previous else {
        return writeln!(out, "{}: no earlier month to compare with", s.month);
    };
    match s.partial_days {
        Some(d) => writeln!(
            out,
            "{} vs {previous}, days 1–{d} of both (the month is open: {d} of {} days); projection is month-end",
            s.month, s.days_in_month
        )?,
        None => writeln!(out, "{} vs {previous}", s.month)?,
    }
    if s.spikes.is_empty() {
        writeln!(out, "  no change above the threshold")?;
    }
    for spike in &s.spikes {
        let delta = spike.current - spike.previous;
        let projected = spike
            .projected
            .map(|p| format!(", projected {}", usd(p)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:>14} ({})  {} / {}: {} → {}{projected}",
            signed_usd(delta),
            percent_change(spike.current, spike.previous),
            for_terminal(&spike.area),
            for_terminal(&spike.product),
            usd(spike.previous),
            usd(spike.current)
        )?;
        for (driver, change) in &spike.drivers {
            writeln!(out, "      {:>14}  {}", signed_usd(*change), name(driver))?;
        }
    }
    if !s.anomalies.is_empty() {
        writeln!(
            out,
            "\ndaily anomalies (a day above its trailing 14-day mean by 3 standard deviations):"
        )?;
        for (day, area, product, cost, mean) in &s.anomalies {
            writeln!(
                out,
                "  {day}  {} / {}: {} vs {} usual",
                for_terminal(area),
                for_terminal(product),
                usd(*cost),
                usd(*mean)
            )?;
        }
    }
    Ok(())
}

/// A change in dollars: `+$1,234.57`, `-$3.00`, `$0.00`.
pub fn signed_usd(change: Money) -> String {
    let text = change.change();
    match text.strip_prefix(['+', '-']) {
        Some(abs) => format!("{}${abs}", &text[..1]),
        None => format!("${text}"),
    }
}

/// Cost per unit, scaled so the number reads well: per unit, per 1K or per 1M.
pub fn per_units(cost: f64, volume: f64) -> String {
    if volume <= 0.0 {
        return "-".to_owned();
    }
    let unit = cost / volume;
    let (scale, label) = if unit >= 0.01 {
        (1.0, "unit")
    } else if unit * 1e3 >= 0.01 {
        (1e3, "1K")
    } else {
        (1e6, "1M")
    };
    format!("${:.4} per {label}", unit * scale)
}

pub fn write_unit_costs(rows: &[UnitCost], month: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(
            out,
            "no business metrics yet: sync a CSV with header month,metric,value (optional area)"
        );
    }
    for r in rows.iter().filter(|r| month.is_none_or(|m| m == r.month)) {
        let scope = r
            .area
            .as_deref()
            .map(|a| format!(" [{}]", for_terminal(a)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {}{scope}: {} / {} = {}",
            r.month,
            for_terminal(&r.metric),
            usd(r.cost),
            r.volume,
            per_units(r.cost.as_f64(), r.volume)
        )?;
    }
    Ok(())
}

/// cost = fixed + variable × volume, by least squares.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub fixed: f64,
    pub variable: f64,
    pub r_squared: f64,
    pub months: usize,
}

/// The fit over (volume, cost) points; None with fewer than 3 months or a volume that never changed.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx <= f64::EPSILON * mean_x.abs().max(1.0) {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variable = sxy / sxx;
    let fixed = mean_y - variable * mean_x;
    let ss_tot: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    let ss_res: f64 = points.iter().map(|p| (p.1 - fixed - variable * p.0).powi(2)).sum();
    let r_squared = if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { 1.0 };
    Some(Fit {
        fixed,
        variable,
        r_squared,
        months: n,
    })
}

pub fn write_forecast(
    rows: &[UnitCost],
    metric: &str,
    amount: f64,
    margin: f64,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut scopes: Vec<Option<String>> = rows.iter().map(|r| r.area.clone()).collect();
    scopes.dedup();
    if scopes.is_empty() {
        return writeln!(
            out,
            "no months of metric {:?}: sync a business metrics CSV first",
            for_terminal(metric)
        );
    }
    for scope in scopes {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.area == scope)
            .map(|r| (r.volume, r.cost.as_f64()))
            .collect();
        let label = scope
            .as_deref()
            .map_or_else(|| "whole company".to_owned(), |a| format!("area {}", for_terminal(a)));
        match fit(&points) {
            None => writeln!(
                out,
                "{label}: {} month(s) of {} — too few (or no change in volume) to fit cost = fixed + variable × volume; need 3",
                points.len(),
                for_terminal(metric)
            )?,
            Some(f) => {
                let marginal = f.variable * amount;
                let price = marginal / (1.0 - margin);
                writeln!(
                    out,
                    "{label}: cost ≈ {}/month + {} over {} months (R² {:.2})",
                    usd(Money::estimate(f.fixed)),
                    per_units(f.variable, 1.0),
                    f.months,
                    f.r_squared
                )?;
                writeln!(
                    out,
                    "  {amount} more {}: {} a month; price for a {:.0}% margin: {} ({})",
                    for_terminal(metric),
                    usd(Money::estimate(marginal)),
                    margin * 100.0,
                    usd(Money::estimate(price)),
                    per_units(price, amount)
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_matches_a_hand_computation() {
        // x = 1,2,3,4; y = 3,5,7,10 → x̄ = 2.5, ȳ = 6.25, Sxx = 5, Sxy = 11.5
        // b = 2.3, a = 6.25 − 2.3 × 2.5 = 0.5; SS_tot = 26.75, SS_res = 0.3 → R² = 0.98878…
        let f = fit(&[(1.0, 3.0), (2.0, 5.0), (3.0, 7.0), (4.0, 10.0)]).unwrap();
        assert!(
            (f.variable - 2.3).abs() < 1e-12 && (f.fixed - 0.5).abs() < 1e-12,
            "{f:?}"
        );
        assert!((f.r_squared - (1.0 - 0.3 / 26.75)).abs() < 1e-12, "{f:?}");
        assert!(fit(&[(1.0, 1.0), (2.0, 2.0)]).is_none(), "two months are too few");
        assert!(
            fit(&[(5.0, 1.0), (5.0, 2.0), (5.0, 3.0)]).is_none(),
            "volume never changed"
        );
    }

    #[test]
    fn unit_costs_scale_to_read_well() {
        assert_eq!(per_units(250.0, 1_000_000.0), "$0.2500 per 1K");
        assert_eq!(per_units(3.0, 1_000_000_000.0), "$0.0030 per 1M");
        assert_eq!(per_units(50.0, 10.0), "$5.0000 per unit");
    }
}
