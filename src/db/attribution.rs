//! Runs the attribution batch (`sql/attribute.sql`) one billing period at a
//! time: a month's allocations, explorer tables and rollups are replaced in
//! one transaction per month, its conservation is verified, and the
//! fingerprint of its inputs is kept so an unchanged month is not redone.

use std::path::PathBuf;

use duckdb::types::Value;
use duckdb::{appender_params_from_iter, params};

use super::dialect::{Dialect, Step, glob_regex, steps};
use super::remote::{MonthEngine, MonthJob};
use super::sql::fill;
use super::{Db, DbError, Method, Result};
use crate::money::Money;
use crate::rules::{Idle, LineFilter, MATCHERS, Rule, Split, SplitBy, TagAliases};

#[derive(Debug, Clone)]
pub struct AttributionInput {
    pub tag_key: String,
    pub idle: Idle,
    pub weight_name: String,
    /// `auto`, `events` or `scad`: which ECS split wins where both exist.
    pub ecs_source: String,
    pub cpu_weight: f64,
    pub memory_weight: f64,
    pub rules_text: String,
    pub rules: Vec<Rule>,
    pub splits: Vec<Split>,
    /// Other spellings of tag keys, read as the canonical key.
    pub tag_aliases: TagAliases,
    /// A FOCUS `x_` column (kept as a tag) read as the area before the tag.
    pub area_from_column: Option<String>,
    /// The rules file's absolute path ('' when there is none) and content hash
    /// ('' when the file did not exist).
    pub rules_path: String,
    pub rules_hash: String,
    /// The settings given as flags, which later runs keep.
    pub idle_flag: Option<String>,
    pub weight_flag: Option<String>,
    pub tag_key_flag: Option<String>,
}

impl AttributionInput {
    /// Everything every month's result depends on besides its own data.
    fn settings_key(&self) -> String {
        format!("{}|{}", self.base_key(), self.rules_text)
    }

    /// The settings besides the rules (and the attribution version).
    fn base_key(&self) -> String {
        format!(
            "{ATTRIBUTION_VERSION}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.tag_key,
            self.tag_aliases.key_text(),
            self.area_from_column.as_deref().unwrap_or_default(),
            self.idle.name(),
            self.weight_name,
            self.cpu_weight,
            self.memory_weight,
            self.ecs_source
        )
    }

    /// The tag keys a line's area is read from, first found first:
    /// `area_from_column`, then the area key and its aliases.
    fn area_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .area_from_column
            .iter()
            .map(|c| crate::rules::tag_key_letters(c))
            .collect();
        keys.extend(self.tag_aliases.spellings(&self.tag_key));
        keys
    }

    /// The first rule whose claims a month attributed in full keeps open for
    /// undo: the last rule (the first, when there is none).
    fn open_from(&self) -> i64 {
        self.rules.iter().map(|r| r.number as i64).max().unwrap_or(1)
    }
}

/// Bumped when attribution itself changes what it writes, so every month
/// held is attributed again by the next run (2: closed methods, followers,
/// splits, charges; 3: the direct state a rule change starts from).
const ATTRIBUTION_VERSION: u32 = 3;

/// Which months a run attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Months whose inputs changed since their last attribution (after a sync).
    Changed,
    /// Every month.
    All,
    /// One month, `YYYY-MM`.
    Month(String),
}

/// Hooks for a progress display; the default does nothing.
pub trait MonthProgress {
    /// The months about to be attributed, in the order they will be.
    fn months(&mut self, _months: &[String]) {}
    fn month_started(&mut self, _month: &str, _index: usize) {}
    fn month_finished(&mut self) {}
}

impl MonthProgress for () {}

#[derive(Debug, Clone)]
pub struct RunSummary {
    /// None when no month needed attributing.
    pub run_id: Option<i64>,
    /// The months this run attributed.
    pub periods: Vec<String>,
    /// (method kind, unblended cost) over those months, for the summary line.
    pub by_method: Vec<(&'static str, Money)>,
    /// Months the database holds.
    pub held: usize,
    /// One line per split that found no target with direct cost in a month
    /// (its money stayed where it was).
    pub split_notes: Vec<String>,
    /// What a run by a rule change did ("rule 7 appended: 12 months, $41,203.17
    /// moved from (unallocated) to ingest"); None for a full attribution.
    pub change: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("attribution does not conserve money in {period}: {measure} billed {billed}, allocated {allocated}")]
pub struct ConservationError {
    pub period: String,
    pub measure: String,
    pub billed: Money,
    pub allocated: Money,
}

const ATTRIBUTE_SQL: &str = include_str!("sql/attribute.sql");
const SIG_RULES_SQL: &str = include_str!("sql/sig_rules.sql");
const FOLLOW_SQL: &str = include_str!("sql/attribute_follow.sql");
const SPLIT_STEP_SQL: &str = include_str!("sql/split_step.sql");
const STORE_SQL: &str = include_str!("sql/attribute_store.sql");
const RULE_DELTA_SQL: &str = include_str!("sql/rule_delta.sql");
const RULE_UNDO_SQL: &str = include_str!("sql/rule_undo.sql");

/// The attribution batches with their placeholders filled: the method names
/// from [`Method`], the rule match condition from the rule vocabulary, the
/// pseudo-areas, and DuckDB's spellings of the dialect's fragments.
struct AttributionSql {
    /// Direct attribution (steps 1–5) into the month's direct state, and the ECS check.
    direct: String,
    /// Rules appended since a month was attributed, on its direct state.
    delta: String,
    /// The last rule removed again, on a month's direct state.
    undo: String,
    /// Step 6 (following) from the direct state, into `a_alloc` and `a_direct`.
    follow: String,
    /// One `[[split]]` on `a_alloc`.
    split_step: String,
    /// `a_alloc` into allocations, explorer tables and rollups.
    store: String,
}

impl AttributionSql {
    /// The batches as `dialect` spells them (DuckDB runs them today; Spark's
    /// are checked against the list of what is still DuckDB-only, docs/spark.md).
    fn new(dialect: Dialect) -> AttributionSql {
        let methods = Method::sql_literals();
        let rule_match = rule_match_condition(dialect);
        let pseudo = super::sql::pseudo_area_list();
        let mut values: Vec<(&str, &str)> = methods.iter().map(|(k, v)| (*k, v.as_str())).collect();
        values.push(("rule_match", &rule_match));
        values.push(("pseudo_areas", &pseudo));
        let spelled = dialect.placeholders();
        values.extend(spelled.iter().map(|(k, v)| (*k, v.as_str())));
        // The signature rules go in first, then every placeholder of both.
        let pod_rules = SIG_RULES_SQL.replace("a_sig", "a_pod_sig");
        let with_sig_rules = |template: &str| {
            fill(
                template,
                &[("sig_rules", SIG_RULES_SQL), ("pod_rules", pod_rules.as_str())],
            )
        };
        AttributionSql {
            direct: fill(&with_sig_rules(ATTRIBUTE_SQL), &values),
            delta: fill(&with_sig_rules(RULE_DELTA_SQL), &values),
            undo: fill(RULE_UNDO_SQL, &values),
            follow: fill(FOLLOW_SQL, &values),
            split_step: fill(SPLIT_STEP_SQL, &values),
            store: fill(STORE_SQL, &values),
        }
    }

    /// A full month as steps on named tables, for another engine: direct
    /// attribution, following, each split (its number staged as
    /// `attr_split_now` first) and the store.
    fn month_steps(&self, input: &AttributionInput) -> Result<Vec<Step>> {
        let read = |batch: &str| steps(batch).map_err(DbError::Invalid);
        let mut all = read(&self.direct)?;
        all.extend(read(&self.follow)?);
        for split in &input.splits {
            all.push(Step::Keep {
                name: "attr_split_now".to_string(),
                select: format!("SELECT CAST({} AS BIGINT) AS n", split.number),
            });
            all.extend(read(&self.split_step)?);
        }
        all.extend(read(&self.store)?);
        // The month's rows of a table the engine starts empty: none to delete.
        all.retain(|step| !matches!(step, Step::Delete { name, .. } if super::remote::starts_empty(name)));
        Ok(all)
    }
}

/// `, product VARCHAR, product_re VARCHAR, usage_type VARCHAR, …`: one glob
/// column per matcher, of the staged `attr_rules` and `attr_splits`, each
/// with the glob as the regex Spark matches (`dialect::glob_regex`).
fn matcher_columns() -> String {
    MATCHERS
        .iter()
        .map(|m| format!(", {0} VARCHAR, {0}_re VARCHAR", m.key))
        .collect()
}

/// A filter's globs and their regexes in `matcher_columns` order (NULL where it has none).
fn glob_values(filter: &LineFilter) -> impl Iterator<Item = Value> + '_ {
    MATCHERS.iter().flat_map(|m| {
        let glob = filter.glob(m);
        [
            text_or_null(glob),
            glob.map_or(Value::Null, |g| Value::Text(glob_regex(g))),
        ]
    })
}

/// Tag key spellings (letters and digits only) as `ap_tag_value_in` reads them.
fn key_list(keys: &[String]) -> String {
    keys.join(",")
}

fn text_or_null(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::Text(t.to_owned()))
}

/// `r.<matcher> IS NULL OR g.<column> GLOB r.<matcher> …` for every matcher,
/// joined with AND: a staged rule `r` matches a line signature `g`. (Spark
/// matches `r.<matcher>_re`, the glob staged as a regex: `dialect::glob_regex`.)
fn rule_match_condition(dialect: Dialect) -> String {
    MATCHERS
        .iter()
        .map(|m| {
            let tries: Vec<String> = m
                .columns
                .iter()
                .map(|c| dialect.glob(&format!("g.{c}"), &format!("r.{}", m.key), &format!("r.{}_re", m.key)))
                .collect();
            format!("(r.{} IS NULL OR {})", m.key, tries.join(" OR "))
        })
        .collect::<Vec<_>>()
        .join("\n AND ")
}
const FINGERPRINTS_SQL: &str = include_str!("sql/month_fingerprints.sql");

/// How a month is brought up to date with a run's rules.
#[derive(Debug, Clone, PartialEq)]
enum MonthWork {
    /// Attributed again from its lines.
    Full,
    /// Rules appended since: only what they can claim moves.
    Append(Vec<Rule>),
    /// The last rule (this number) removed: what it claimed moves back.
    Undo(usize),
}

/// A month as its last attribution left it: the run's settings and rules,
/// the fingerprint of its inputs, and from which rule it keeps claims open.
struct AttributedMonth {
    fingerprint: String,
    open_from: Option<i64>,
    settings: Option<String>,
    rules_text: String,
}

/// Run one step of a month's attribution; with `APPORTION_TRACE` set, say
/// on stderr how long it took (for finding where a month's time goes).
fn traced<T, E>(month: &str, step: &str, f: impl FnOnce() -> std::result::Result<T, E>) -> std::result::Result<T, E> {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*TRACE.get_or_init(|| std::env::var_os("APPORTION_TRACE").is_some()) {
        return f();
    }
    let started = std::time::Instant::now();
    let out = f();
    eprintln!("trace {month} {step}: {:.3}s", started.elapsed().as_secs_f64());
    out
}

/// What each month's attribution depends on besides the settings.
struct MonthInputs {
    /// The service map and container instances, which every month shares.
    shared: String,
    /// (month, its own data: files, tasks and attachments over its hours).
    months: Vec<(String, String)>,
}

impl MonthInputs {
    /// (month, fingerprint) under `settings_key` (settings and rules), oldest first.
    fn fingerprints(&self, settings_key: &str) -> Vec<(String, String)> {
        self.months
            .iter()
            .map(|(month, data)| {
                let text = format!("{settings_key}|{}|{data}", self.shared);
                (
                    month.clone(),
                    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes())),
                )
            })
            .collect()
    }
}

/// What a run that moved money by a rule change moved, per area (unblended).
#[derive(Default)]
struct Moved {
    months: usize,
    by_area: std::collections::BTreeMap<String, Money>,
}

impl Db {
    pub fn attribute(
        &self,
        input: &AttributionInput,
        scope: &Scope,
        progress: &mut dyn MonthProgress,
    ) -> Result<RunSummary> {
        self.attribute_first(input, scope, None, progress)
    }

    /// Attribute the months `scope` names, `first` (the month on screen)
    /// before the others, then the newest first. A month whose rules changed
    /// only by rules appended at the end (or the last one removed) moves only
    /// the money those rules claim; any other change attributes it again.
    pub fn attribute_first(
        &self,
        input: &AttributionInput,
        scope: &Scope,
        first: Option<&str>,
        progress: &mut dyn MonthProgress,
    ) -> Result<RunSummary> {
        traced("*", "forget months without lines", || {
            self.forget_months_without_lines()
        })?;
        let inputs = traced("*", "month inputs", || self.month_inputs())?;
        let fingerprints = inputs.fingerprints(&input.settings_key());
        let mut months: Vec<&(String, String)> = match scope {
            Scope::All => fingerprints.iter().collect(),
            Scope::Month(m) => fingerprints.iter().filter(|(p, _)| p == m).collect(),
            Scope::Changed => {
                let known = self.known_fingerprints()?;
                fingerprints.iter().filter(|(p, f)| known.get(p) != Some(f)).collect()
            }
        };
        if let Some(first) = first {
            months.sort_by(|(a, _), (b, _)| (a != first).cmp(&(b != first)).then(b.cmp(a)));
        }
        let held = fingerprints.len();
        if months.is_empty() {
            return Ok(RunSummary {
                run_id: None,
                periods: Vec::new(),
                by_method: Vec::new(),
                held,
                split_notes: Vec::new(),
                change: None,
            });
        }
        let work = self.month_work(input, scope, &months, &inputs)?;
        // Months attributed in full go to the engine, if another; a rule
        // change moves its money here whichever engine attributed the month:
        // what it moves is the month's direct state, which this database
        // holds (an engine's results include it), and it moves only what the
        // rule claims, in seconds where the engine would take the month again.
        let any_full = work.contains(&MonthWork::Full);
        let engine = self.engine.as_deref().filter(|_| any_full);
        let run_id = self.in_transaction(|| self.start_run(input, any_full))?;
        let order: Vec<String> = months.iter().map(|(m, _)| m.clone()).collect();
        progress.months(&order);
        let sql = AttributionSql::new(Dialect::DuckDb);
        let engine_sql = engine.map(|_| AttributionSql::new(Dialect::Spark));
        let mut split_notes = Vec::new();
        let mut moved = Moved::default();
        let mut periods: Vec<String> = Vec::new();
        let mut failure = None;
        let shared = match engine {
            Some(e) => self
                .staging_dir(e, run_id)
                .and_then(|dir| self.stage_shared(&dir.join("shared"))),
            None => Ok(Vec::new()),
        };
        let shared = shared.unwrap_or_else(|e| {
            failure = Some(e);
            Vec::new()
        });
        for (index, ((month, fingerprint), work)) in months.iter().zip(&work).enumerate() {
            if failure.is_some() {
                break;
            }
            progress.month_started(month, index);
            let notes = match (engine, &engine_sql, work) {
                (Some(engine), Some(engine_sql), MonthWork::Full) => {
                    self.attribute_month_on(engine, engine_sql, input, run_id, month, fingerprint, &shared)
                }
                _ => self
                    .in_transaction(|| self.attribute_month(&sql, input, work, run_id, month, fingerprint, &mut moved)),
            };
            match notes {
                Ok(notes) => split_notes.extend(notes),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            periods.push(month.clone());
            progress.month_finished();
        }
        if let Some(engine) = engine {
            // What the engine was given is a copy of this database's: not
            // kept, but under APPORTION_TRACE (to look into a step's tables).
            if std::env::var_os("APPORTION_TRACE").is_none()
                && let Ok(dir) = self.staging_dir(engine, run_id)
                && let Err(e) = self.discard_engine_dir(&dir)
            {
                eprintln!("warning: could not remove what the run gave {}: {e}", engine.name());
            }
        }
        if let Some(e) = failure {
            // The run keeps the months it finished; one that finished none
            // leaves no record (the reports would read it as the latest).
            if periods.is_empty() {
                self.conn
                    .execute("DELETE FROM attribution_runs WHERE run_id = ?", params![run_id])?;
            } else {
                self.record_periods(run_id, &periods, None)?;
            }
            return Err(e);
        }
        let change = describe_change(&work, &moved);
        self.record_periods(run_id, &periods, change.as_deref())?;
        let by_method = self.methods_of_run(run_id)?;
        Ok(RunSummary {
            run_id: Some(run_id),
            periods,
            by_method,
            held,
            split_notes,
            change,
        })
    }

    /// For each month, whether a rule change can bring it up to date: its
    /// data is as it was attributed, under the same settings and splits, and
    /// its rules differ only by rules appended (or the last one removed,
    /// when the month keeps that rule's claims). `attribute --month` and
    /// `attribute` of every month always attribute again.
    fn month_work(
        &self,
        input: &AttributionInput,
        scope: &Scope,
        months: &[&(String, String)],
        inputs: &MonthInputs,
    ) -> Result<Vec<MonthWork>> {
        if *scope != Scope::Changed {
            return Ok(vec![MonthWork::Full; months.len()]);
        }
        let attributed = self.attributed_months()?;
        let base = input.base_key();
        let with_pods = self.months_with_pods()?;
        let mut old_fingerprints: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
        let mut work = Vec::with_capacity(months.len());
        for (month, _) in months {
            let Some(old) = attributed.get(month) else {
                work.push(MonthWork::Full);
                continue;
            };
            let (Some(open_from), Some(settings)) = (old.open_from, old.settings.as_deref()) else {
                work.push(MonthWork::Full);
                continue;
            };
            if settings != base {
                work.push(MonthWork::Full);
                continue;
            }
            // The month's own data must be what it was attributed from.
            let old_key = format!("{settings}|{}", old.rules_text);
            let unchanged = old_fingerprints
                .entry(old_key.clone())
                .or_insert_with(|| inputs.fingerprints(&old_key))
                .iter()
                .any(|(m, f)| m == month && *f == old.fingerprint);
            let Ok(old_rules) = crate::rules::Rules::parse(&old.rules_text, "rules") else {
                work.push(MonthWork::Full);
                continue;
            };
            let change = crate::rules::rule_change(&old_rules.rules, &old_rules.splits, &input.rules, &input.splits);
            work.push(match change {
                _ if !unchanged => MonthWork::Full,
                // Rules judge EKS workloads too, which the direct state does not hold.
                _ if with_pods.contains(month) => MonthWork::Full,
                crate::rules::RuleChange::Appended(rules) => MonthWork::Append(rules),
                crate::rules::RuleChange::RemovedLast(n) if n as i64 >= open_from => MonthWork::Undo(n),
                _ => MonthWork::Full,
            });
        }
        Ok(work)
    }

    /// Months with EKS split rows, whose workloads the rules judge.
    fn months_with_pods(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT strftime(billing_period, '%Y-%m') FROM scad_splits WHERE kind = 'eks'")?;
        let months = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(months.collect::<std::result::Result<_, _>>()?)
    }

    fn attributed_months(&self) -> Result<std::collections::HashMap<String, AttributedMonth>> {
        let mut stmt = self.conn.prepare(
            "SELECT strftime(m.billing_period, '%Y-%m'), m.fingerprint, m.open_from, r.settings, r.rules_text
             FROM attributed_months m JOIN attribution_runs r USING (run_id)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                AttributedMonth {
                    fingerprint: r.get(1)?,
                    open_from: r.get(2)?,
                    settings: r.get(3)?,
                    rules_text: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A run's record, with where it attributed months in full: the
    /// engine's name and warehouse, or here. A run of rule changes alone
    /// attributed none anywhere (its changes move here, on any database):
    /// no engine, so the database keeps remembering the engine it was last
    /// attributed on in full (`last_run`).
    fn start_run(&self, input: &AttributionInput, any_full: bool) -> Result<i64> {
        let (engine, warehouse) = match (any_full, self.engine.as_deref()) {
            (false, _) => (None, None),
            (true, Some(e)) => (Some(e.name()), Some(e.warehouse_name())),
            (true, None) => (Some("duckdb"), None),
        };
        let run_id: i64 =
            self.conn
                .query_row("SELECT COALESCE(max(run_id), 0) + 1 FROM attribution_runs", [], |r| {
                    r.get(0)
                })?;
        self.conn.execute(
            "INSERT INTO attribution_runs (run_id, started_at, idle, weight, tag_key, rules_text, rule_count, periods,
                                           rules_path, rules_hash, idle_flag, weight_flag, tag_key_flag, ecs_source,
                                           settings, engine, warehouse)
             VALUES (?, current_timestamp::TIMESTAMP, ?, ?, ?, ?, ?, []::VARCHAR, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                run_id,
                input.idle.name(),
                input.weight_name,
                input.tag_key,
                input.rules_text,
                input.rules.len() as i64,
                input.rules_path,
                input.rules_hash,
                input.idle_flag,
                input.weight_flag,
                input.tag_key_flag,
                input.ecs_source,
                input.base_key(),
                engine,
                warehouse
            ],
        )?;
        Ok(run_id)
    }

    /// Bring one month up to date (`work`): its direct state from its lines
    /// or by the rule change, then following, splits and the store. Returns
    /// the notes of splits that found no target.
    #[allow(clippy::too_many_arguments)]
    fn attribute_month(
        &self,
        sql: &AttributionSql,
        input: &AttributionInput,
        work: &MonthWork,
        run_id: i64,
        month: &str,
        fingerprint: &str,
        moved: &mut Moved,
    ) -> Result<Vec<String>> {
        let conn = &self.conn;
        conn.execute_batch("CREATE OR REPLACE TEMP TABLE attr_month (run_id BIGINT, period DATE)")?;
        conn.execute(
            "INSERT INTO attr_month VALUES (?, strptime(?, '%Y-%m')::DATE)",
            params![run_id, month],
        )?;
        let open_from = match work {
            MonthWork::Full => {
                self.stage_inputs(input, &input.rules)?;
                traced(month, "direct", || conn.execute_batch(&sql.direct))?;
                Some(input.open_from())
            }
            MonthWork::Append(rules) => {
                self.stage_inputs(input, rules)?;
                traced(month, "rule delta", || conn.execute_batch(&sql.delta))?;
                self.count_moved(moved)?;
                None
            }
            MonthWork::Undo(n) => {
                self.stage_inputs(input, &[])?;
                conn.execute_batch("CREATE OR REPLACE TEMP TABLE attr_undo (n BIGINT)")?;
                conn.execute("INSERT INTO attr_undo VALUES (?)", params![*n as i64])?;
                traced(month, "rule undo", || conn.execute_batch(&sql.undo))?;
                self.count_moved(moved)?;
                None
            }
        };
        traced(month, "follow", || conn.execute_batch(&sql.follow))?;
        for split in &input.splits {
            conn.execute_batch("CREATE OR REPLACE TEMP TABLE attr_split_now (n BIGINT)")?;
            conn.execute("INSERT INTO attr_split_now VALUES (?)", params![split.number as i64])?;
            traced(month, "split", || conn.execute_batch(&sql.split_step))?;
        }
        let notes = self.split_notes(input, month)?;
        traced(month, "store", || conn.execute_batch(&sql.store))?;
        traced(month, "conservation", || self.check_conservation(month))?;
        self.record_month(run_id, month, fingerprint, open_from)?;
        Ok(notes)
    }

    /// Attribute one month in full on another engine (see db/remote.rs):
    /// its inputs staged here and written for the engine, the statements run
    /// there, and its committed results loaded and checked in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn attribute_month_on(
        &self,
        engine: &dyn MonthEngine,
        sql: &AttributionSql,
        input: &AttributionInput,
        run_id: i64,
        month: &str,
        fingerprint: &str,
        shared: &[(String, PathBuf)],
    ) -> Result<Vec<String>> {
        let conn = &self.conn;
        conn.execute_batch("CREATE OR REPLACE TEMP TABLE attr_month (run_id BIGINT, period DATE)")?;
        conn.execute(
            "INSERT INTO attr_month VALUES (?, strptime(?, '%Y-%m')::DATE)",
            params![run_id, month],
        )?;
        self.stage_inputs(input, &input.rules)?;
        let staged = self.staging_dir(engine, run_id)?.join(format!("month={month}"));
        let mut inputs = shared.to_vec();
        let (month_inputs, lines) = self.stage_month(&staged, month)?;
        inputs.extend(month_inputs);
        let job = MonthJob {
            month: month.to_string(),
            run_id,
            inputs,
            steps: sql.month_steps(input)?,
            results: Db::result_tables(),
            out: self.results_dir(engine, run_id, month)?,
            scratch: staged.join("steps"),
            lines,
        };
        traced(month, engine.name(), || engine.attribute_month(&job)).map_err(|e| DbError::Engine {
            month: month.to_string(),
            message: format!("{e:#}"),
        })?;
        self.in_transaction(|| {
            traced(month, "load", || self.load_month(month, &job.out))?;
            let notes = self.split_notes(input, month)?;
            traced(month, "conservation", || self.check_conservation(month))?;
            self.record_month(run_id, month, fingerprint, Some(input.open_from()))?;
            Ok(notes)
        })
    }

    /// The months a run attributed, and what its rule change did.
    fn record_periods(&self, run_id: i64, periods: &[String], change: Option<&str>) -> Result<()> {
        let list: Vec<String> = periods.iter().map(|p| format!("'{p}'")).collect();
        self.conn.execute(
            "UPDATE attribution_runs SET periods = ?::VARCHAR, change = ? WHERE run_id = ?",
            params![format!("[{}]", list.join(", ")), change, run_id],
        )?;
        Ok(())
    }

    /// The month as attributed by `run_id` from inputs of `fingerprint`.
    fn record_month(&self, run_id: i64, month: &str, fingerprint: &str, open_from: Option<i64>) -> Result<()> {
        self.conn.execute(
            "UPDATE attributed_months SET run_id = ?, fingerprint = ?, open_from = COALESCE(?, open_from)
             WHERE billing_period = strptime(?, '%Y-%m')::DATE",
            params![run_id, fingerprint, open_from, month],
        )?;
        self.conn.execute(
            "INSERT INTO attributed_months
             SELECT strptime(?1, '%Y-%m')::DATE, ?2, ?3, ?4
             WHERE NOT EXISTS (SELECT 1 FROM attributed_months WHERE billing_period = strptime(?1, '%Y-%m')::DATE)",
            params![month, run_id, fingerprint, open_from],
        )?;
        Ok(())
    }

    /// Add a rule change's moves of this month (d_moved) to the run's.
    fn count_moved(&self, moved: &mut Moved) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT area, sum(u) FROM d_moved GROUP BY area HAVING sum(u) <> 0")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Money>(1)?)))?;
        for row in rows {
            let (area, dollars) = row?;
            *moved.by_area.entry(area).or_default() += dollars;
        }
        moved.months += 1;
        Ok(())
    }

    fn split_notes(&self, input: &AttributionInput, month: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT n, from_area, sum(u) FROM a_split_notes GROUP BY ALL ORDER BY n")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Money>(2)?))
        })?;
        let mut notes = Vec::new();
        for row in rows {
            let (n, from, stayed) = row?;
            let line = input.splits.iter().find(|s| s.number as i64 == n).map_or(0, |s| s.line);
            notes.push(format!(
                "split {n} (line {line}): no target has direct cost in {month}; {} stays in {from}",
                stayed.dollars()
            ));
        }
        Ok(notes)
    }

    /// The settings and rules as the temp tables the SQL batch reads: one
    /// column of `attr_rules` per matcher of the rule vocabulary.
    fn stage_inputs(&self, input: &AttributionInput, rules: &[Rule]) -> Result<()> {
        let conn = &self.conn;
        let matcher_columns = matcher_columns();
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE attr_settings (tag_key VARCHAR, idle VARCHAR, cpu_w DOUBLE, mem_w DOUBLE,
                                                          ecs_source VARCHAR, tag_keys VARCHAR);
             CREATE OR REPLACE TEMP TABLE attr_rules (n BIGINT, area VARCHAR, area_from_tag VARCHAR,
                                                      area_from_keys VARCHAR{matcher_columns});
             CREATE OR REPLACE TEMP TABLE attr_rule_tags (n BIGINT, key VARCHAR, keys VARCHAR, pattern VARCHAR,
                                                          pattern_re VARCHAR);"
        ))?;
        let spellings = |key: &str| Value::Text(key_list(&input.tag_aliases.spellings(key)));
        let mut settings = conn.appender("attr_settings")?;
        settings.append_row(appender_params_from_iter([
            Value::Text(input.tag_key.clone()),
            Value::Text(input.idle.name().to_owned()),
            Value::Double(input.cpu_weight),
            Value::Double(input.memory_weight),
            Value::Text(input.ecs_source.clone()),
            Value::Text(key_list(&input.area_keys())),
        ]))?;
        settings.flush()?;
        self.stage_splits(input)?;
        let mut rule_rows = conn.appender("attr_rules")?;
        let mut tags = conn.appender("attr_rule_tags")?;
        for r in rules {
            let mut row = vec![
                Value::BigInt(r.number as i64),
                text_or_null(r.area.as_deref()),
                text_or_null(r.area_from_tag.as_deref()),
                r.area_from_tag.as_deref().map_or(Value::Null, spellings),
            ];
            row.extend(glob_values(&r.filter));
            rule_rows.append_row(appender_params_from_iter(row))?;
            for (k, g) in &r.filter.tags {
                tags.append_row(appender_params_from_iter([
                    Value::BigInt(r.number as i64),
                    Value::Text(k.clone()),
                    spellings(k),
                    Value::Text(g.clone()),
                    Value::Text(glob_regex(g)),
                ]))?;
            }
        }
        rule_rows.flush()?;
        tags.flush()?;
        Ok(())
    }

    /// The splits as `attr_splits` (one glob column per matcher, like
    /// `attr_rules`), `attr_split_targets` and `attr_split_tags`.
    fn stage_splits(&self, input: &AttributionInput) -> Result<()> {
        let conn = &self.conn;
        let matcher_columns = matcher_columns();
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE attr_splits (n BIGINT, from_area VARCHAR, split_by VARCHAR, filtered BOOLEAN
                                                       {matcher_columns});
             CREATE OR REPLACE TEMP TABLE attr_split_targets (n BIGINT, area VARCHAR, share VARCHAR);
             CREATE OR REPLACE TEMP TABLE attr_split_tags (n BIGINT, key VARCHAR, keys VARCHAR, pattern VARCHAR,
                                                           pattern_re VARCHAR);"
        ))?;
        let mut splits = conn.appender("attr_splits")?;
        let mut targets = conn.appender("attr_split_targets")?;
        let mut tags = conn.appender("attr_split_tags")?;
        for s in &input.splits {
            let n = s.number as i64;
            let mut row = vec![
                Value::BigInt(n),
                Value::Text(s.from.clone()),
                Value::Text(s.by.name().to_owned()),
                Value::Boolean(s.filter != LineFilter::default()),
            ];
            row.extend(glob_values(&s.filter));
            splits.append_row(appender_params_from_iter(row))?;
            if s.by == SplitBy::Fixed {
                for (area, share) in &s.shares {
                    targets.append_row(params![n, area, share.decimal()])?;
                }
            } else {
                for area in &s.to {
                    targets.append_row(params![n, area, Option::<String>::None])?;
                }
            }
            for (k, g) in &s.filter.tags {
                tags.append_row(params![
                    n,
                    k,
                    key_list(&input.tag_aliases.spellings(k)),
                    g,
                    glob_regex(g)
                ])?;
            }
        }
        splits.flush()?;
        targets.flush()?;
        tags.flush()?;
        Ok(())
    }

    /// What every month's attribution depends on besides the settings: the
    /// service map and container instances all months share, and each
    /// month's own data. Read once per run; [`MonthInputs::fingerprints`]
    /// hashes them with any settings.
    fn month_inputs(&self) -> Result<MonthInputs> {
        let service_map: String = self
            .conn
            .query_row(
                "SELECT CAST(list_sort(list(CAST({'service': service, 'cluster': cluster, 'namespace': namespace,
                                                'area': product_area,
                                                'terraform': file_id = 0} AS VARCHAR))) AS VARCHAR)
             FROM service_map",
                [],
                |r| r.get::<_, Option<String>>(0),
            )?
            .unwrap_or_default();
        let instances: String = self
            .conn
            .query_row(
                "SELECT CAST(list_sort(list(CAST({'ci': ci_key, 'instance': instance_id, 'cpu': reg_cpu,
                                                'memory': reg_mem} AS VARCHAR))) AS VARCHAR)
             FROM ecs_instances",
                [],
                |r| r.get::<_, Option<String>>(0),
            )?
            .unwrap_or_default();
        Ok(MonthInputs {
            shared: format!("{service_map}|{instances}"),
            months: self.month_data()?,
        })
    }

    /// (month, its own data) from `month_inputs`, or read from the lines,
    /// tasks and attachments (and kept there) when a sync emptied it.
    fn month_data(&self) -> Result<Vec<(String, String)>> {
        let read = |sql: &str| -> Result<Vec<(String, String)>> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let kept = read("SELECT strftime(billing_period, '%Y-%m'), data FROM month_inputs ORDER BY 1")?;
        if !kept.is_empty() {
            return Ok(kept);
        }
        let months = read(FINGERPRINTS_SQL)?;
        self.in_transaction(|| {
            let mut insert = self
                .conn
                .prepare("INSERT INTO month_inputs VALUES (strptime(?, '%Y-%m')::DATE, ?)")?;
            for (month, data) in &months {
                insert.execute(params![month, data])?;
            }
            Ok(())
        })?;
        Ok(months)
    }

    fn known_fingerprints(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT strftime(billing_period, '%Y-%m'), fingerprint FROM attributed_months")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A month whose lines are all gone (replaced by a delivery of another
    /// month) keeps no allocations either.
    fn forget_months_without_lines(&self) -> Result<()> {
        self.in_transaction(|| {
            self.conn.execute_batch(
                "CREATE OR REPLACE TEMP TABLE held_months AS SELECT DISTINCT billing_period FROM billing_lines",
            )?;
            for table in [
                "allocations",
                "explore_cells",
                "explore_days",
                "attributed_months",
                "ecs_check",
                "direct_base",
                "direct_open",
                "direct_followers",
            ] {
                self.conn.execute_batch(&format!(
                    "DELETE FROM {table} WHERE billing_period NOT IN (SELECT billing_period FROM held_months)"
                ))?;
            }
            Ok(())
        })
    }

    fn methods_of_run(&self, run_id: i64) -> Result<Vec<(&'static str, Money)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT method, sum(unblended_cost) FROM allocations WHERE run_id = ? GROUP BY method")?;
        let rows = stmt.query_map(params![run_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Money>(1)?)))?;
        let mut by_kind: std::collections::BTreeMap<&'static str, Money> = std::collections::BTreeMap::new();
        for row in rows {
            let (method, cost) = row?;
            let kind = Method::parse(&method).map_or("other", |m| m.kind());
            let total = by_kind.entry(kind).or_default();
            *total += cost;
        }
        Ok(by_kind.into_iter().collect())
    }

    /// Allocated equals billed in `month`, per cost measure, to the last decimal.
    fn check_conservation(&self, month: &str) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "WITH billed AS (SELECT sum(unblended_cost) u, sum(amortized_cost) a, sum(blended_cost) b,
                                    sum(net_amortized_cost) n
                             FROM billing_lines WHERE billing_period = strptime(?1, '%Y-%m')::DATE),
                  allocated AS (SELECT sum(unblended_cost) u, sum(amortized_cost) a, sum(blended_cost) b,
                                       sum(net_amortized_cost) n
                                FROM allocations WHERE billing_period = strptime(?1, '%Y-%m')::DATE)
             SELECT m.name, COALESCE(m.billed, 0), COALESCE(m.allocated, 0)
             FROM billed, allocated,
                  LATERAL (VALUES ('unblended', billed.u, allocated.u),
                                  ('amortized', billed.a, allocated.a),
                                  ('blended', billed.b, allocated.b),
                                  ('net-amortized', billed.n, allocated.n)) m(name, billed, allocated)
             WHERE m.billed IS DISTINCT FROM m.allocated
             LIMIT 1",
        )?;
        let mut rows = stmt.query(params![month])?;
        if let Some(r) = rows.next()? {
            return Err(DbError::Conservation(ConservationError {
                period: month.to_owned(),
                measure: r.get(0)?,
                billed: r.get(1)?,
                allocated: r.get(2)?,
            }));
        }
        Ok(())
    }

    /// Whether an attribution run exists (reports read allocations once one does).
    pub fn has_attribution(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT count(*) > 0 FROM attribution_runs", [], |r| r.get(0))?)
    }
}

/// The run's rule change in one line, when its months were brought up to
/// date by one: which rule, how many months, and what moved where.
fn describe_change(work: &[MonthWork], moved: &Moved) -> Option<String> {
    let (what, undo) = work.iter().find_map(|w| match w {
        MonthWork::Full => None,
        MonthWork::Append(rules) => Some((
            match rules.as_slice() {
                [one] => format!("rule {} appended", one.number),
                many => format!(
                    "rules {}–{} appended",
                    many.first().map_or(0, |r| r.number),
                    many.last().map_or(0, |r| r.number)
                ),
            },
            false,
        )),
        MonthWork::Undo(n) => Some((format!("rule {n} removed"), true)),
    })?;
    let total: Money = moved.by_area.values().copied().sum();
    let areas: Vec<&str> = moved.by_area.keys().map(String::as_str).collect();
    let full = work.iter().filter(|w| **w == MonthWork::Full).count();
    let redone = if full > 0 {
        format!(" ({full} attributed again)")
    } else {
        String::new()
    };
    let months = moved.months;
    let plural = if months == 1 { "" } else { "s" };
    let sentence = if undo {
        format!(
            "{} moved back from {} to (unallocated)",
            signed_usd(-total),
            list_or_none(&areas)
        )
    } else {
        format!(
            "{} moved from (unallocated) to {}",
            signed_usd(total),
            list_or_none(&areas)
        )
    };
    Some(format!("{what}: {months} month{plural}{redone}, {sentence}"))
}

/// `$1,234.57`, `-$0.50`.
fn signed_usd(value: Money) -> String {
    let text = value.dollars();
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${text}"),
    }
}

fn list_or_none(areas: &[&str]) -> String {
    if areas.is_empty() {
        "no area".to_owned()
    } else {
        areas.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Spark's spelling of the direct attribution still writes DuckDB's
    /// way: only the statement shapes a Spark runner turns into cached views
    /// and Parquet (docs/spark.md, "What is still DuckDB-only"). A construct
    /// moved into the dialect must not come back.
    #[test]
    fn spark_spelling_has_only_the_listed_duckdb_constructs_left() {
        let sql = AttributionSql::new(Dialect::Spark);
        let code = |batch: &str| batch.to_lowercase();
        for (name, batch) in [
            ("direct", &sql.direct),
            ("follow", &sql.follow),
            ("split_step", &sql.split_step),
        ] {
            let text = code(batch);
            for duckdb_only in [
                "rowid",
                "row_number() over ()",
                " glob ",
                "unnest(",
                "range(",
                "lambda ",
                "arg_max(",
                "arg_min(",
                "list_transform(",
                "list_filter(",
                "list_contains(",
                "list(",
                "epoch(",
                "::",
                "'infinity'",
                "starts_with(",
                "as map(",
                "{'",
            ] {
                assert!(
                    !text.contains(duckdb_only),
                    "{name}: Spark's spelling still has `{duckdb_only}`"
                );
            }
        }
        // What remains, for the runner: temp tables and the database's own tables.
        assert!(code(&sql.direct).contains("create or replace temp table"));
        assert!(code(&sql.direct).contains("delete from direct_base"));
    }

    #[test]
    fn every_placeholder_of_the_batches_is_filled() {
        let sql = AttributionSql::new(Dialect::DuckDb);
        for batch in [
            &sql.direct,
            &sql.delta,
            &sql.undo,
            &sql.follow,
            &sql.split_step,
            &sql.store,
        ] {
            assert_eq!(super::super::sql::placeholders(batch), Vec::<String>::new());
        }
        for m in MATCHERS {
            for batch in [&sql.direct, &sql.delta] {
                assert!(batch.contains(&format!("r.{} IS NULL", m.key)), "{} not matched", m.key);
            }
        }
    }
}
