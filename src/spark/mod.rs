//! Apache Spark through Spark Connect (cargo feature `spark`), with Apache's
//! Rust client: a session on a remote (`remote`), checked before any work is
//! given to it: reachable, the token accepted, a server of Spark 3.5 or newer,
//! and the settings the shared SQL needs (UTC, exact decimals). Errors say what
//! to do; Spark's own message is kept, never a token.
//!
//! The client runs its own tokio runtime and blocks: call it from plain
//! threads, never from inside apportion's S3 runtime.

// The client's own error type is large (the client allows this lint too); it
// becomes an anyhow error at once, in `explain`.
#![allow(clippy::result_large_err)]

mod engine;
mod files;
mod remote;
mod warehouse;

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use spark_connect::row::Value;
use spark_connect::{SparkError, SparkSession};

pub use engine::{Keeping, SparkEngine};
pub use remote::{DEFAULT_PORT, Remote};
pub use warehouse::Warehouse;

/// The oldest server the shared SQL is written for (BY NAME inserts,
/// GROUP BY ALL, max_by, named windows).
pub const MIN_VERSION: (u32, u32) = (3, 5);

/// Session settings every run sets: times are UTC, as DuckDB's TIMESTAMP is;
/// decimal results keep their scale instead of being cut to 6 places (money
/// is DECIMAL(38, 10)); an overflow fails instead of becoming NULL.
/// Parquet times without a time zone (DuckDB's TIMESTAMP) are read as
/// Spark's TIMESTAMP, which the shared statements are written for.
pub const SETTINGS: [(&str, &str); 4] = [
    ("spark.sql.session.timeZone", "UTC"),
    ("spark.sql.decimalOperations.allowPrecisionLoss", "false"),
    ("spark.sql.ansi.enabled", "true"),
    ("spark.sql.parquet.inferTimestampNTZ.enabled", "false"),
];

/// How long the server has to accept a TCP connection before we say it is unreachable.
const REACH_TIMEOUT: Duration = Duration::from_secs(10);

/// A checked session on a Spark Connect server, with the engine functions
/// of the shared statements defined (db::dialect::spark_functions).
pub struct Spark {
    session: SparkSession,
    pub remote: Remote,
    pub version: String,
}

impl Spark {
    /// Connect, check the server and set the session up.
    pub fn connect(remote: Remote) -> Result<Spark> {
        reach(&remote)?;
        let session = SparkSession::builder()
            .remote(&remote.connect_url())
            .get_or_create()
            .map_err(|e| explain(&remote, "connecting", e))?;
        let version = session
            .version()
            .map_err(|e| explain(&remote, "asking its version", e))?;
        let (major, minor) = parse_version(&version).ok_or_else(|| {
            anyhow!(
                "{} answered with a version apportion cannot read: {version:?}",
                remote.shown()
            )
        })?;
        if (major, minor) < MIN_VERSION {
            bail!(
                "{} runs Spark {version}; apportion needs Spark {}.{} or newer (Spark Connect's SQL with \
                 BY NAME inserts and GROUP BY ALL). Upgrade the cluster, or use one that has it (EMR 7.0+, \
                 Databricks Runtime 14.3+).",
                remote.shown(),
                MIN_VERSION.0,
                MIN_VERSION.1
            );
        }
        Spark {
            session,
            remote,
            version,
        }
        .set_up()
    }

    /// Whether the server keeps a query's rows by a checkpoint (Spark
    /// Connect's CheckpointCommand, Spark 4.0+).
    pub fn has_checkpoints(&self) -> bool {
        parse_version(&self.version).is_some_and(|v| v >= (4, 0))
    }

    /// A new session on the same connection, set up as this one: what it
    /// keeps is released with it (`release`).
    pub fn new_session(&self) -> Result<Spark> {
        Spark {
            session: self.session.new_session(),
            remote: self.remote.clone(),
            version: self.version.clone(),
        }
        .set_up()
    }

    /// End the session on the server, with every step it kept.
    pub fn release(&self) -> Result<()> {
        self.session
            .stop()
            .map_err(|e| explain(&self.remote, "ending a session", e))
    }

    /// The settings and the engine functions every session has.
    fn set_up(self) -> Result<Spark> {
        let conf = self.session.conf();
        for (key, value) in SETTINGS {
            conf.set(key, value)
                .map_err(|e| explain(&self.remote, &format!("setting {key}"), e))?;
        }
        self.define_functions(false)?;
        Ok(self)
    }

    /// The rows of a query, each value as text (NULL as None): decimals keep
    /// every digit, so results can be compared to DuckDB's to the cent.
    pub fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self
            .session
            .sql(sql)
            .and_then(|df| df.collect())
            .map_err(|e| explain(&self.remote, "running a query", e))?;
        Ok(rows.iter().map(|r| r.values().iter().map(text).collect()).collect())
    }

    /// The columns of a query's result with their types, as Spark names
    /// them (`decimal(38,10)`, `array<bigint>`); the query is only analysed.
    pub fn dtypes(&self, sql: &str) -> Result<Vec<(String, String)>> {
        self.session
            .sql(sql)
            .and_then(|df| df.dtypes())
            .map_err(|e| explain(&self.remote, "reading a query's columns", e))
    }

    /// Define the engine functions that read the service map, once the
    /// session has it as a view (Spark resolves a function's tables when it
    /// is defined).
    pub fn define_table_functions(&self) -> Result<()> {
        self.define_functions(true)
    }

    /// The engine functions that read tables (`tables`) or none.
    fn define_functions(&self, tables: bool) -> Result<()> {
        for statement in crate::db::dialect::spark_functions(tables) {
            self.session
                .sql(&statement)
                .and_then(|df| df.collect())
                .map_err(|e| explain(&self.remote, "defining apportion's functions", e))?;
        }
        Ok(())
    }

    /// Run statements that return nothing worth reading (views, caches).
    pub fn run(&self, sql: &str) -> Result<()> {
        self.rows(sql).map(|_| ())
    }

    /// `sql`'s rows kept by the server as the view `name` (a local
    /// checkpoint: computed once, its plan cut from the statements before).
    pub fn checkpoint(&self, sql: &str, name: &str) -> Result<()> {
        self.session
            .sql(sql)
            .and_then(|df| df.local_checkpoint())
            .and_then(|df| df.create_or_replace_temp_view(name))
            .map_err(|e| explain(&self.remote, "keeping a step", e))
    }

    /// `select`'s rows written as Parquet files into the directory `out`
    /// (replacing what it held), times as DuckDB's TIMESTAMP: without a
    /// time zone (the session's is UTC).
    pub fn write_parquet(&self, select: &str, out: &Path) -> Result<()> {
        let columns = self.dtypes(select)?;
        let projection: Vec<String> = columns
            .iter()
            .map(|(c, ty)| {
                let c = crate::db::dialect::Dialect::Spark.identifier(c);
                match ty.as_str() {
                    "timestamp" => format!("CAST({c} AS TIMESTAMP_NTZ) AS {c}"),
                    _ => c,
                }
            })
            .collect();
        self.run(&format!(
            "INSERT OVERWRITE DIRECTORY '{}' USING parquet SELECT {} FROM ({select}) AS q",
            in_quotes(out),
            projection.join(", ")
        ))
    }

    /// How many files, and bytes, the cluster sees under `path` (a directory
    /// or a file, in the cluster's own URI scheme), without reading them.
    pub fn files_at(&self, path: &str) -> Result<(i64, i64)> {
        let listing = self
            .session
            .read()
            .format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(Some(path))
            .select_expr(vec!["count(*) AS files", "coalesce(sum(length), 0) AS bytes"]);
        let rows = listing.collect().map_err(|e| explain_path(&self.remote, path, e))?;
        let row = rows.first().context("the cluster's listing returned no row")?;
        let number = |i: usize| row.get(i).and_then(Value::as_i64).unwrap_or(0);
        Ok((number(0), number(1)))
    }
}

/// A local path as the URI Spark reads it by (`file:/…`); a path the
/// cluster names (`s3a://…`, a warehouse in S3) as it is.
fn uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    match crate::ingest::is_cluster_path(&text) {
        true => text.into_owned(),
        false => format!("file:{text}"),
    }
}

/// A path's URI inside a Spark string literal `'…'` (backslash escapes).
fn in_quotes(path: &Path) -> String {
    quoted(&uri(path))
}

/// Text inside a Spark string literal `'…'` (backslash escapes).
fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

/// A file's path as the cluster listed it, for a reader that takes a
/// pattern (Hadoop's glob: `*`, `?`, `[…]`, `{…}`, `\`): each of those
/// characters escaped, so the path names that one file and no siblings.
fn literal_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A path's URI inside Spark's backquotes, as in parquet.`…`.
fn in_backticks(path: &Path) -> String {
    uri(path).replace('`', "``")
}

/// A value as text, as DuckDB's `CAST(x AS VARCHAR)` writes the types the
/// attribution returns; None for NULL.
fn text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Byte(n) => n.to_string(),
        Value::Short(n) => n.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::Long(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Double(x) => x.to_string(),
        Value::String(s) => s.clone(),
        Value::Decimal { value, .. } => value.clone(),
        Value::Date(days) => chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0)
            .map_or_else(|| days.to_string(), |d| d.date_naive().to_string()),
        Value::Timestamp(micros) => chrono::DateTime::from_timestamp_micros(*micros)
            .map_or_else(|| micros.to_string(), |t| t.naive_utc().to_string()),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|v| text(v).unwrap_or_else(|| "NULL".into())).collect();
            format!("[{}]", parts.join(", "))
        }
        other => format!("{other:?}"),
    })
}

/// `4.3.0` → (4, 3); `3.5.1-amzn-0` → (3, 5).
fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// A TCP connection to the server first: the client retries an unreachable
/// server for minutes before it gives up, and says less.
fn reach(remote: &Remote) -> Result<()> {
    let target = format!("{}:{}", remote.host, remote.port);
    let addrs: Vec<_> = target
        .to_socket_addrs()
        .with_context(|| {
            format!(
                "cannot resolve the Spark Connect host {} (from {})",
                remote.host,
                remote.shown()
            )
        })?
        .collect();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, REACH_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    bail!(
        "cannot reach the Spark Connect server at {target} ({}): is it running (pyspark's \
         sbin/start-connect-server.sh, or the cluster's Connect endpoint), and is port {} open from this machine?",
        last.map_or_else(|| "no address".to_string(), |e| e.to_string()),
        remote.port
    )
}

/// gRPC status codes the server answers a refused token with.
const UNAUTHENTICATED: i32 = 16;
const PERMISSION_DENIED: i32 = 7;
const UNAVAILABLE: i32 = 14;

/// Spark's message once: the client can repeat the error class
/// (`[PATH_NOT_FOUND] [PATH_NOT_FOUND] Path does not exist`).
fn spark_said(e: &SparkError) -> String {
    let message = e.message();
    if let Some(rest) = message.strip_prefix('[')
        && let Some((class, after)) = rest.split_once("] ")
        && after.starts_with(&format!("[{class}] "))
    {
        return after.to_string();
    }
    message
}

/// Spark's error as a message that says what to do.
fn explain(remote: &Remote, doing: &str, e: SparkError) -> anyhow::Error {
    let message = remote.redact(&spark_said(&e));
    match e.grpc_code() {
        Some(UNAUTHENTICATED | PERMISSION_DENIED) => {
            let token = if remote.has_token() {
                "the token in APPORTION_SPARK_TOKEN (or DATABRICKS_TOKEN) was refused: check it has not expired \
                 and may use this cluster"
            } else {
                "it wants a token: set APPORTION_SPARK_TOKEN (or DATABRICKS_TOKEN)"
            };
            anyhow!(
                "{} refused the connection while {doing}: {token}. Spark said: {message}",
                remote.shown()
            )
        }
        Some(UNAVAILABLE) => anyhow!(
            "the Spark Connect server at {} stopped answering while {doing}: {message}",
            remote.shown()
        ),
        _ => anyhow!("Spark at {} failed while {doing}: {message}", remote.shown()),
    }
}

/// A path the cluster could not list: the cluster's credentials, not ours.
fn explain_path(remote: &Remote, path: &str, e: SparkError) -> anyhow::Error {
    let message = remote.redact(&spark_said(&e));
    let condition = e.get_condition().unwrap_or_default();
    let hint = if condition.contains("PATH_NOT_FOUND") || message.contains("does not exist") {
        "the path does not exist as the cluster sees it (a file: path is on the cluster's machines, not this one)"
    } else if message.contains("AccessDenied") || message.contains("403") || message.contains("credentials") {
        "the cluster may not read it: s3:// and s3a:// paths are read with the cluster's credentials (its \
         instance profile or fs.s3a.* settings), not this laptop's"
    } else if message.contains("S3AFileSystem not found") {
        "the cluster has no S3A file system: put hadoop-aws (of the cluster's Hadoop version) and its AWS SDK \
         on the cluster's classpath, e.g. spark.jars.packages=org.apache.hadoop:hadoop-aws:VERSION, or name \
         the path with the scheme the cluster has (s3:// on EMR)"
    } else if message.contains("No FileSystem for scheme") || condition.contains("UNSUPPORTED_FILE_SYSTEM") {
        "the cluster has no file system for that scheme: name the path as the cluster does (s3a:// on plain \
         Spark, s3:// on EMR, abfss:// on Azure)"
    } else {
        "the cluster could not list it"
    };
    anyhow!("{path}: {hint}. Spark at {} said: {message}", remote.shown())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_stays_one_literal_whatever_it_holds() {
        let odd = std::path::Path::new("/w/it's a `dir`\\x");
        assert_eq!(in_quotes(odd), "file:/w/it\\'s a `dir`\\\\x");
        assert_eq!(in_backticks(odd), "file:/w/it's a ``dir``\\x");
    }

    #[test]
    fn a_listed_path_names_one_file_not_a_pattern() {
        assert_eq!(literal_path("s3a://b/cur-*.parquet"), "s3a://b/cur-\\*.parquet");
        assert_eq!(literal_path("file:/x/a[1]{b,c}?\\"), "file:/x/a\\[1\\]\\{b,c\\}\\?\\\\");
        assert_eq!(literal_path("s3a://b/plain.parquet"), "s3a://b/plain.parquet");
    }

    #[test]
    fn versions_are_read_as_clusters_write_them() {
        assert_eq!(parse_version("4.3.0"), Some((4, 3)));
        assert_eq!(parse_version("3.5.1-amzn-0"), Some((3, 5)));
        assert_eq!(parse_version("x"), None);
        assert!(parse_version("3.4.1").unwrap() < MIN_VERSION);
    }

    #[test]
    fn a_repeated_error_class_is_said_once() {
        let e = SparkError::connect_msg("[PATH_NOT_FOUND] [PATH_NOT_FOUND] Path does not exist: file:/x.");
        assert_eq!(spark_said(&e), "[PATH_NOT_FOUND] Path does not exist: file:/x.");
        let e = SparkError::connect_msg("[A] b");
        assert_eq!(spark_said(&e), "[A] b");
    }

    #[test]
    fn an_unreachable_server_names_host_and_port() {
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let remote = Remote::parse(&format!("sc://127.0.0.1:{port}"), None).unwrap();
        let e = Spark::connect(remote).err().unwrap().to_string();
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(e.contains("cannot reach"), "{e}");
    }
}
