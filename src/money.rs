//! Money as the database keeps it: an exact decimal with 10 places
//! (`DECIMAL(38, 10)`), from the query to the formatter. Floating point only
//! where a number is drawn (shares, bars, charts), never where it is summed
//! or printed as an amount.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};

/// Places after the point, as `DECIMAL(38, 10)`.
const SCALE: u32 = 10;
const ONE: i128 = 10_i128.pow(SCALE);

/// An amount of money in units of 10⁻¹⁰ (of the bill's currency).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i128);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0:?} is not an amount of money")]
pub struct MoneyError(pub String);

impl Money {
    pub const ZERO: Money = Money(0);

    /// A decimal as DuckDB prints one: `-12.5`, `107.6937100000`, `3`.
    /// Places beyond the tenth are rounded half away from zero.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let bad = || MoneyError(text.to_owned());
        let t = text.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let kept = &fraction[..fraction.len().min(SCALE as usize)];
        let mut units = whole.checked_mul(ONE).ok_or_else(bad)?;
        if !kept.is_empty() {
            let scaled = kept.parse::<i128>().map_err(|_| bad())? * 10_i128.pow(SCALE - kept.len() as u32);
            units += scaled;
        }
        if fraction.as_bytes().get(SCALE as usize).is_some_and(|d| *d >= b'5') {
            units += 1;
        }
        Ok(Money(if negative { -units } else { units }))
    }

    pub fn from_units(units: i128) -> Money {
        Money(units)
    }

    /// An estimate computed in floating point (a forecast, a fitted rate),
    /// rounded to the money scale so it prints like every other amount.
    pub fn estimate(value: f64) -> Money {
        Money((value * ONE as f64).round() as i128)
    }

    pub fn units(self) -> i128 {
        self.0
    }

    /// For drawing and ratios only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / ONE as f64
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// Exact, every place: `107.6937100000` (CSV, JSON, tests).
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:010}", a / ONE as u128, a % ONE as u128)
    }

    /// For people: thousands separated, rounded to cents: `1,234.57`, `-0.50`.
    pub fn dollars(self) -> String {
        let cents = round_div(self.0, ONE / 100);
        let sign = if cents < 0 { "-" } else { "" };
        let a = cents.unsigned_abs();
        format!("{sign}{}.{:02}", thousands(a / 100), a % 100)
    }

    /// A change: `+1,234.57`, `-3.00`, and `0.00` without a sign when it
    /// rounds to nothing.
    pub fn change(self) -> String {
        let shown = self.dollars();
        if round_div(self.0, ONE / 100) > 0 {
            format!("+{shown}")
        } else {
            shown.replace("-0.00", "0.00")
        }
    }
}

fn round_div(value: i128, by: i128) -> i128 {
    let q = value / by;
    let r = value % by;
    if r.abs() * 2 >= by { q + value.signum() } else { q }
}

fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// In JSON, a number with exactly the digits CSV prints (`107.6937100000`):
/// no trip through floating point. (Other serializers see a string.)
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.decimal()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

/// A part of a whole as a percentage with one decimal (`12.3%`), `-` when
/// the whole is nothing: share of parent and coverage alike.
pub fn percent(part: f64, whole: f64) -> String {
    if whole.abs() < 1e-12 {
        return "-".to_owned();
    }
    // `+ 0.0` turns a rounded -0.0 into 0.0.
    format!("{:.1}%", (1000.0 * part / whole).round() / 10.0 + 0.0)
}

/// A relative change (`+12.5%`, `-3.0%`), `new` where there was nothing
/// before; below a cent, a percentage says nothing (empty).
pub fn percent_change(current: Money, previous: Money) -> String {
    let cent = Money(ONE / 200);
    if previous.abs() < cent {
        return if current.abs() < cent {
            String::new()
        } else {
            "new".to_owned()
        };
    }
    let p = (1000.0 * (current - previous).as_f64() / previous.as_f64().abs()).round() / 10.0 + 0.0;
    if p > 0.0 {
        format!("+{p:.1}%")
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_duckdb_prints_exactly() {
        assert_eq!(Money::parse("107.6937100000").unwrap().decimal(), "107.6937100000");
        assert_eq!(Money::parse("-0.0000000680").unwrap().units(), -680);
        assert_eq!(Money::parse("3").unwrap().decimal(), "3.0000000000");
        assert_eq!(Money::parse(".5").unwrap().decimal(), "0.5000000000");
        assert_eq!(Money::parse("1.000000000049").unwrap().units(), ONE);
        assert_eq!(Money::parse("1.000000000050").unwrap().units(), ONE + 1);
        for bad in ["", "-", "1e5", "12.5O", "NaN", "1.2.3"] {
            assert!(Money::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_for_people_and_for_machines() {
        let m = |t: &str| Money::parse(t).unwrap();
        assert_eq!(m("1234567.891").dollars(), "1,234,567.89");
        assert_eq!(m("-0.005").dollars(), "-0.01");
        assert_eq!(m("0.004").dollars(), "0.00");
        assert_eq!(m("12.5").change(), "+12.50");
        assert_eq!(m("-12.5").change(), "-12.50");
        assert_eq!(m("-0.001").change(), "0.00");
        assert_eq!(percent(1.0, 8.0), "12.5%");
        assert_eq!(percent(1.0, 0.0), "-");
        assert_eq!(percent_change(m("110"), m("100")), "+10.0%");
        assert_eq!(percent_change(m("5"), Money::ZERO), "new");
        assert_eq!(percent_change(m("0.001"), m("0.0001")), "");
    }
}
