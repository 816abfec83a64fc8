//! The engine seam's one place for SQL that DuckDB and Spark write
//! differently. The shared statements are written in what both engines accept;
//! where they cannot be, a statement names a fragment here (through the
//! `{placeholder}` filling of `sql.rs`) and each engine gets its own spelling.
//! Every fragment is SQL built from column expressions the statements pass
//! in, never from data. tests/it/dialect.rs runs each one on DuckDB, and on a
//! real Spark Connect server when there is one, and checks both give the same
//! values. The functions both engines define by name are in `functions`.

mod functions;
mod statements;

pub(crate) use functions::tag_key;
pub use functions::{ENGINE_FUNCTIONS, EngineFunction, spark_functions};
pub use statements::{Step, renamed, steps};

/// The engine a statement is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
}

impl Dialect {
    /// The value of `value` on the row where `key` is largest
    /// (`arg_max` / `max_by`; ties as the engine breaks them, so keys are unique).
    pub fn max_by(self, value: &str, key: &str) -> String {
        match self {
            Dialect::DuckDb => format!("arg_max({value}, {key})"),
            Dialect::Spark => format!("max_by({value}, {key})"),
        }
    }

    /// The value of `value` on the row where `key` is smallest.
    pub fn min_by(self, value: &str, key: &str) -> String {
        match self {
            Dialect::DuckDb => format!("arg_min({value}, {key})"),
            Dialect::Spark => format!("min_by({value}, {key})"),
        }
    }

    /// A record of named fields, compared field by field in order (a
    /// tie-breaking sort key): `{'a': x}` / `named_struct('a', x)`.
    pub fn record(self, fields: &[(&str, &str)]) -> String {
        match self {
            Dialect::DuckDb => {
                let parts: Vec<String> = fields.iter().map(|(name, expr)| format!("'{name}': {expr}")).collect();
                format!("{{{}}}", parts.join(", "))
            }
            Dialect::Spark => {
                let parts: Vec<String> = fields.iter().map(|(name, expr)| format!("'{name}', {expr}")).collect();
                format!("named_struct({})", parts.join(", "))
            }
        }
    }

    /// A DOUBLE as an exact decimal of `scale` places, rounded as DuckDB
    /// does: the value times 10^scale in double precision, rounded half away
    /// from zero, that whole number exactly. Spark's own cast rounds the
    /// double's shortest printed form instead, which differs in the last place
    /// about once in sixty amounts; given DuckDB's steps, both engines
    /// write the same digits. On Spark the whole number must fit a BIGINT
    /// (amounts under $900 million at 10 places, shares up to 9 at 18): past
    /// that the cast fails, it never rounds silently.
    pub fn decimal_of_double(self, value: &str, scale: u32) -> String {
        match self {
            Dialect::DuckDb => format!("CAST({value} AS DECIMAL(38, {scale}))"),
            Dialect::Spark => format!(
                "CAST(CAST(round(CAST({value} AS DOUBLE) * CAST(1e{scale} AS DOUBLE)) AS BIGINT) \
                 * CAST(1e-{scale} AS DECIMAL(38, {scale})) AS DECIMAL(38, {scale}))"
            ),
        }
    }

    /// Seconds from timestamp `from` to timestamp `to`, as a DOUBLE, to the
    /// microsecond (`epoch(interval)` / the difference of `unix_micros`).
    pub fn seconds_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::DuckDb => format!("epoch(({to}) - ({from}))"),
            Dialect::Spark => {
                format!(
                    "CAST(unix_micros(CAST({to} AS TIMESTAMP)) - unix_micros(CAST({from} AS TIMESTAMP)) AS DOUBLE) / 1000000"
                )
            }
        }
    }

    /// The list of hour starts from the hour `since` falls in up to, not
    /// including, `until`; empty when `until` is not after that hour
    /// (`range`, whose end is exclusive / `sequence`, whose end is inclusive).
    pub fn hours(self, since: &str, until: &str) -> String {
        match self {
            Dialect::DuckDb => format!("range(date_trunc('hour', {since}), {until}, INTERVAL 1 HOUR)"),
            Dialect::Spark => format!(
                "CASE WHEN {until} > date_trunc('HOUR', {since}) \
                 THEN sequence(date_trunc('HOUR', {since}), {until} - INTERVAL 1 MICROSECOND, INTERVAL 1 HOUR) \
                 ELSE CAST(array() AS ARRAY<TIMESTAMP>) END"
            ),
        }
    }

    /// A FROM item's rows, each repeated once per element of `list` (a
    /// column `column` of a relation `alias`), written after the item:
    /// `, unnest(l) AS a(c)` / ` LATERAL VIEW explode(l) a AS c`. A row whose
    /// list is empty is dropped by both.
    pub fn each_of(self, list: &str, alias: &str, column: &str) -> String {
        match self {
            Dialect::DuckDb => format!(", unnest({list}) AS {alias}({column})"),
            Dialect::Spark => format!(" LATERAL VIEW explode({list}) {alias} AS {column}"),
        }
    }

    /// A JSON object column read as a map of text to text
    /// (`CAST(j AS MAP(VARCHAR, VARCHAR))` / `from_json(j, 'map<string,string>')`).
    pub fn text_map(self, json: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST({json} AS MAP(VARCHAR, VARCHAR))"),
            Dialect::Spark => format!("from_json({json}, 'map<string,string>')"),
        }
    }

    /// The elements of `list` for which `test` (an expression of `param`) holds.
    pub fn filter(self, list: &str, param: &str, test: &str) -> String {
        format!("filter({list}, {})", self.lambda(param, test))
    }

    /// `list` with each element replaced by `value` (an expression of `param`).
    pub fn transform(self, list: &str, param: &str, value: &str) -> String {
        match self {
            Dialect::DuckDb => format!("list_transform({list}, {})", self.lambda(param, value)),
            Dialect::Spark => format!("transform({list}, {})", self.lambda(param, value)),
        }
    }

    /// A lambda of one parameter, for `filter(list, ...)` (both engines'
    /// name) and `transform`: `lambda e: body` / `e -> body`.
    pub fn lambda(self, param: &str, body: &str) -> String {
        match self {
            Dialect::DuckDb => format!("lambda {param}: {body}"),
            Dialect::Spark => format!("{param} -> {body}"),
        }
    }

    /// The first element of a list, NULL when it is empty (`(l)[1]` /
    /// `try_element_at(l, 1)`: Spark's `l[0]` fails on an empty list in ANSI mode).
    pub fn first(self, list: &str) -> String {
        match self {
            Dialect::DuckDb => format!("({list})[1]"),
            Dialect::Spark => format!("try_element_at({list}, 1)"),
        }
    }

    /// `text` with every match of the regular expression replaced (DuckDB
    /// replaces the first unless told 'g'; Spark replaces all).
    pub fn replace_all(self, text: &str, regex: &str, with: &str) -> String {
        match self {
            Dialect::DuckDb => format!("regexp_replace({text}, {regex}, {with}, 'g')"),
            Dialect::Spark => format!("regexp_replace({text}, {regex}, {with})"),
        }
    }

    /// Whether `text` matches a shell glob (`*`, `?`, `[...]`) given as SQL
    /// text. DuckDB has GLOB; Spark matches the same pattern turned into an
    /// anchored regular expression by `glob_regex`, which a statement stages
    /// beside the glob (patterns are data: bound, never spliced in).
    pub fn glob(self, text: &str, glob: &str, regex: &str) -> String {
        match self {
            Dialect::DuckDb => format!("({text} GLOB {glob})"),
            Dialect::Spark => format!("({text} RLIKE {regex})"),
        }
    }

    /// A fresh id for each row of a result: `row_number() OVER ()` / Spark's
    /// `monotonically_increasing_id()` (Spark numbers rows only in an order;
    /// ids need only be unique, and no rounding depends on them but as the
    /// last of several tie-breaks).
    pub fn row_id(self) -> &'static str {
        match self {
            Dialect::DuckDb => "row_number() OVER ()",
            Dialect::Spark => "monotonically_increasing_id()",
        }
    }

    /// A billing line's id: DuckDB's `rowid` of billing_lines / the
    /// `line_id` column Spark's inputs carry.
    pub fn line_id(self) -> &'static str {
        match self {
            Dialect::DuckDb => "rowid",
            Dialect::Spark => "line_id",
        }
    }

    /// An empty list of ids (a line no filtered split matches).
    pub fn no_ids(self) -> &'static str {
        match self {
            Dialect::DuckDb => "CAST([] AS BIGINT[])",
            Dialect::Spark => "CAST(array() AS ARRAY<BIGINT>)",
        }
    }

    /// True when some element of `list` passes `test` (an expression of
    /// `param`): `len(filter(...)) > 0` / `exists(...)`.
    pub fn any(self, list: &str, param: &str, test: &str) -> String {
        match self {
            Dialect::DuckDb => format!("len({}) > 0", self.filter(list, param, test)),
            Dialect::Spark => format!("exists({list}, {})", self.lambda(param, test)),
        }
    }

    /// A column of an export by its name, which comes from the export:
    /// `"name"` / `` `name` `` (the quote doubled inside).
    pub fn identifier(self, name: &str) -> String {
        match self {
            Dialect::DuckDb => super::quote::identifier(name),
            Dialect::Spark => {
                let name = name.replace('\0', "\u{FFFD}");
                format!("`{}`", name.replace('`', "``"))
            }
        }
    }

    /// A timestamp's day as text, `YYYY-MM-DD` (`strftime` / `date_format`).
    pub fn day_text(self, timestamp: &str) -> String {
        match self {
            Dialect::DuckDb => format!("strftime(date_trunc('day', {timestamp}), '%Y-%m-%d')"),
            Dialect::Spark => format!("date_format({timestamp}, 'yyyy-MM-dd')"),
        }
    }

    /// A field of a JSON object held as text; NULL when the text is not
    /// JSON or the field is absent or empty.
    pub fn json_field(self, json: &str, field: &str) -> String {
        match self {
            Dialect::DuckDb => {
                format!("CASE WHEN json_valid({json}) THEN NULLIF(json_extract_string({json}, '$.{field}'), '') END")
            }
            Dialect::Spark => format!("NULLIF(get_json_object({json}, '$.{field}'), '')"),
        }
    }

    /// A line's identity where the export has no line id: a hash of all of
    /// its columns' text.
    pub fn whole_row_key(self) -> &'static str {
        match self {
            Dialect::DuckDb => "md5(concat_ws('|', *COLUMNS(*)))",
            Dialect::Spark => "md5(concat_ws('|', *))",
        }
    }

    /// A nested column (map, struct, list) as JSON text. Spark's reader of
    /// an export (`spark::files`) gives such a column as JSON text already,
    /// and Spark cannot group by a map.
    pub fn json_text(self, column: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST(to_json({column}) AS VARCHAR)"),
            Dialect::Spark => column.to_string(),
        }
    }

    /// The placeholders the attribution's statements name, as this engine
    /// spells them (db/attribution.rs fills them with the method names).
    pub fn placeholders(self) -> Vec<(&'static str, String)> {
        let d = self;
        let tag_map = d.text_map("tags");
        // The latest (or costliest) tag set of a group; ties break on the tag text.
        let tags_by = |what: (&str, &str)| d.max_by("tags", &d.record(&[what, ("text", "CAST(tags AS STRING)")]));
        vec![
            ("row_id", d.row_id().to_string()),
            ("line_id", d.line_id().to_string()),
            ("no_ids", d.no_ids().to_string()),
            // A line's tags as {key (as ap_tag_key writes it), value} entries.
            (
                "tag_entries",
                d.transform(
                    &format!("map_entries({tag_map})"),
                    "e",
                    &d.record(&[("key", &tag_key(d, "e.key")), ("value", "e.value")]),
                ),
            ),
            (
                "some_tag_has_a_value",
                d.any(
                    &format!("map_values({tag_map})"),
                    "v",
                    "NULLIF(trim(v), '') IS NOT NULL",
                ),
            ),
            ("latest_tags", tags_by(("start", "usage_start"))),
            ("costliest_tags", tags_by(("cost", "split_cost + unused_cost"))),
            // A rule's or split's tag pattern against a signature's (t) or a line's (g) tags.
            (
                "sig_tag_matches",
                d.glob("ap_tag_value_in(t.entries, rt.keys)", "rt.pattern", "rt.pattern_re"),
            ),
            (
                "line_tag_matches",
                d.glob("ap_tag_value_in(g.entries, rt.keys)", "rt.pattern", "rt.pattern_re"),
            ),
            ("task_hours", d.each_of(&d.hours("t.since", "t.until"), "u", "hour")),
            ("window_hours", d.each_of(&d.hours("w.p_start", "w.p_end"), "u", "hour")),
            (
                "scad_hours",
                d.each_of(&d.hours("s.usage_start", "s.usage_end"), "u", "hour"),
            ),
        ]
    }

    /// A statement's result kept under `name` for the statements after it:
    /// a temp table / a cached temp view (Spark's temp views are plans, run
    /// again by every reader unless cached).
    pub fn keep(self, name: &str, select: &str) -> Vec<String> {
        match self {
            Dialect::DuckDb => vec![format!("CREATE OR REPLACE TEMP TABLE {name} AS {select}")],
            Dialect::Spark => vec![
                format!("UNCACHE TABLE IF EXISTS {name}"),
                format!("CREATE OR REPLACE TEMP VIEW {name} AS {select}"),
                format!("CACHE TABLE {name}"),
            ],
        }
    }
}

/// A shell glob (`*`, `?`, `[...]`, as DuckDB's GLOB reads it) as an anchored
/// Java regular expression, for Spark's RLIKE: everything else is literal, and the
/// end is `\\z` (Java's `$` also matches before a final newline).
pub fn glob_regex(glob: &str) -> String {
    let mut out = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str("(?s:.*)"),
            '?' => out.push_str("(?s:.)"),
            '[' => {
                // A class runs to the next ']' after its first character (so a ']' first in it is
                // literal); without one, '[' is literal.
                let rest: String = chars.clone().collect();
                match rest.char_indices().skip(1).find(|&(_, ch)| ch == ']') {
                    Some((end, _)) => {
                        let body = &rest[..end];
                        let (negated, body) = match body.strip_prefix('!') {
                            Some(b) => (true, b),
                            None => (false, body),
                        };
                        out.push_str(if negated { "[^" } else { "[" });
                        for ch in body.chars() {
                            if matches!(ch, '\\' | '[' | ']' | '^' | '&') {
                                out.push('\\');
                            }
                            out.push(ch);
                        }
                        out.push(']');
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    None => out.push_str("\\["),
                }
            }
            c if c.is_alphanumeric() || c == ' ' || c == '_' => out.push(c),
            c => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out.push_str("\\z");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_difference_is_spelled_for_its_engine() {
        let (d, s) = (Dialect::DuckDb, Dialect::Spark);
        assert_eq!(d.max_by("tags", "k"), "arg_max(tags, k)");
        assert_eq!(s.max_by("tags", "k"), "max_by(tags, k)");
        assert_eq!(d.min_by("a", "k"), "arg_min(a, k)");
        assert_eq!(s.min_by("a", "k"), "min_by(a, k)");
        assert_eq!(d.record(&[("cost", "c"), ("text", "t")]), "{'cost': c, 'text': t}");
        assert_eq!(
            s.record(&[("cost", "c"), ("text", "t")]),
            "named_struct('cost', c, 'text', t)"
        );
        assert_eq!(d.decimal_of_double("x", 10), "CAST(x AS DECIMAL(38, 10))");
        assert!(
            s.decimal_of_double("x", 10)
                .contains("round(CAST(x AS DOUBLE) * CAST(1e10 AS DOUBLE))")
        );
        assert_eq!(d.seconds_between("a", "b"), "epoch((b) - (a))");
        assert!(
            s.seconds_between("a", "b")
                .starts_with("CAST(unix_micros(CAST(b AS TIMESTAMP))")
        );
        assert!(d.hours("s", "u").starts_with("range("));
        assert!(s.hours("s", "u").contains("sequence(") && s.hours("s", "u").contains("- INTERVAL 1 MICROSECOND"));
        assert_eq!(d.each_of("l", "u", "hour"), ", unnest(l) AS u(hour)");
        assert_eq!(s.each_of("l", "u", "hour"), " LATERAL VIEW explode(l) u AS hour");
        assert_eq!(d.text_map("tags"), "CAST(tags AS MAP(VARCHAR, VARCHAR))");
        assert_eq!(s.text_map("tags"), "from_json(tags, 'map<string,string>')");
        assert_eq!(d.filter("l", "e", "e > 1"), "filter(l, lambda e: e > 1)");
        assert_eq!(s.filter("l", "e", "e > 1"), "filter(l, e -> e > 1)");
        assert_eq!(d.transform("l", "e", "e + 1"), "list_transform(l, lambda e: e + 1)");
        assert_eq!(s.transform("l", "e", "e + 1"), "transform(l, e -> e + 1)");
        assert_eq!(d.first("l"), "(l)[1]");
        assert_eq!(s.first("l"), "try_element_at(l, 1)");
        assert_eq!(d.replace_all("k", "'[^a]'", "''"), "regexp_replace(k, '[^a]', '', 'g')");
        assert_eq!(s.replace_all("k", "'[^a]'", "''"), "regexp_replace(k, '[^a]', '')");
        assert_eq!(d.glob("x", "g", "r"), "(x GLOB g)");
        assert_eq!(s.glob("x", "g", "r"), "(x RLIKE r)");
        assert_eq!(d.row_id(), "row_number() OVER ()");
        assert_eq!(s.row_id(), "monotonically_increasing_id()");
        assert_eq!((d.line_id(), s.line_id()), ("rowid", "line_id"));
        assert_eq!(d.no_ids(), "CAST([] AS BIGINT[])");
        assert_eq!(s.no_ids(), "CAST(array() AS ARRAY<BIGINT>)");
        assert_eq!(d.any("l", "v", "v > 1"), "len(filter(l, lambda v: v > 1)) > 0");
        assert_eq!(s.any("l", "v", "v > 1"), "exists(l, v -> v > 1)");
        assert_eq!(d.keep("t", "SELECT 1").len(), 1);
        assert_eq!(s.keep("t", "SELECT 1")[2], "CACHE TABLE t");
    }

    #[test]
    fn globs_become_anchored_regexes_with_everything_else_literal() {
        assert_eq!(glob_regex("i-*"), "^i\\-(?s:.*)\\z");
        assert_eq!(glob_regex("a?c"), "^a(?s:.)c\\z");
        assert_eq!(glob_regex("[ab]x"), "^[ab]x\\z");
        assert_eq!(glob_regex("[!ab]x"), "^[^ab]x\\z");
        assert_eq!(glob_regex("a.b(c)"), "^a\\.b\\(c\\)\\z");
        assert_eq!(glob_regex("[oops"), "^\\[oops\\z");
    }
}
