//! The command line: global flags and one subcommand per job (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::db::{CostMeasure, Dimension};
use crate::report::{OutputFormat, parse_month};
use crate::rules::{Idle, Weight};

#[derive(Debug, Parser)]
#[command(
    name = "apportion",
    version,
    about = "Who spent the AWS bill, and what will more traffic cost? Offline, from billing exports."
)]
pub struct Cli {
    /// Database file [default: the platform data dir's apportion.duckdb]
    #[arg(long, global = true, env = "APPORTION_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Attribution rules [default: the platform config dir's rules.toml]
    #[arg(long, global = true, env = "APPORTION_RULES", value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Memory DuckDB may use before it spills to a temp directory beside the
    /// database, e.g. 2GB or 1500MiB [default: 3 GiB or a quarter of the
    /// machine's memory, whichever is smaller, at least 1 GiB]
    #[arg(long, global = true, env = "APPORTION_MEMORY_LIMIT", value_name = "SIZE")]
    pub memory_limit: Option<String>,

    /// Where months are attributed: duckdb (here) or spark (a Spark Connect
    /// server; a build with --features spark) [default: the engine the
    /// database was last attributed on, else duckdb]
    #[arg(long, global = true, env = "APPORTION_ENGINE", value_enum)]
    pub engine: Option<EngineArg>,

    /// Spark Connect URL, sc://HOST[:PORT][/;use_ssl=true] [default: APPORTION_SPARK_REMOTE, else SPARK_REMOTE]; a token goes in APPORTION_SPARK_TOKEN, never here
    #[arg(long, global = true, value_name = "URL")]
    pub spark_remote: Option<String>,

    /// Where Spark keeps a run's inputs and each month's results: an S3
    /// prefix as the cluster names it (s3a://BUCKET/PREFIX, reached from here
    /// with this machine's AWS credentials), or a directory reached by the
    /// same path from here and from the cluster [default: the database's last
    /// one, else DB.warehouse beside the database]
    #[arg(long, global = true, env = "APPORTION_SPARK_WAREHOUSE", value_name = "URI|DIR")]
    pub spark_warehouse: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The engines months can be attributed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Duckdb,
    Spark,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the explorer (the default without a command)
    Tui,
    /// Build a demo database from generated sample exports and open the explorer
    Demo(DemoArgs),
    /// Load billing exports (files, directories recursively, or s3:// prefixes); re-delivered months replace old ones
    Sync(SyncArgs),
    /// Attribute every month again (or one with --month), with the database's rules and any new flags
    Attribute(AttributeArgs),
    /// Cost of a month grouped by dimensions
    Report(ReportArgs),
    /// How a resource's (or a product area's) dollars were attributed: tag, rule, ECS shares, EBS merges, splits
    Explain(ExplainArgs),
    /// The month's invoice by kind of charge, where each kind's money went, and the totals checked
    Reconcile(ReconcileArgs),
    /// The container splits checked: ECS by task events against AWS's split cost allocation data, event capture gaps, and EKS workloads with their idle share and area
    #[command(name = "split-check", alias = "ecs-check")]
    EcsCheck(EcsCheckArgs),
    /// List attribution runs
    Runs,
    /// Freeze the latest run of a month into the finalized rollups
    Finalize(FinalizeArgs),
    /// The ECS service → product area map
    #[command(subcommand)]
    Services(ServicesCommand),
    /// Assign an area (a rule appended to the rules file) or take the last one back, as the tagging page does, with timings
    #[command(subcommand)]
    Tag(TagCommand),
    /// Report taggable AWS resources in Terraform that lack the tag (exit 1), for CI
    LintTerraform(LintArgs),
    /// Share of cost with a product area, and the untagged resources to chase next
    Coverage(CoverageArgs),
    /// Write a month as attributed: one row per billing line and area share, as FOCUS (CSV or Parquet) or CSV
    Export(ExportArgs),
    /// Month-over-month changes per product area × AWS product, and what drove them
    Spikes(SpikesArgs),
    /// Cost per unit of a business metric, per month
    UnitCost(UnitCostArgs),
    /// What N more units of a metric will cost, and the price that keeps a margin
    Forecast(ForecastArgs),
    /// Check a Spark Connect server before giving it work: reachable, token accepted, Spark 3.5 or newer, and which paths the cluster can read
    #[cfg(feature = "spark")]
    SparkCheck(SparkCheckArgs),
}

#[cfg(feature = "spark")]
#[derive(Debug, clap::Args)]
pub struct SparkCheckArgs {
    /// Paths as the cluster names them (s3://, s3a://, abfss://, file:), checked to be listable by the cluster
    pub paths: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Resource id as billed (an ARN) or its short form (i-…, vol-…, a bucket name), or a product area
    pub resource: String,
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct EcsCheckArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    #[arg(long, value_enum, default_value_t = CostArg::Unblended)]
    pub cost: CostArg,
}

#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    /// Coverage to chase untagged resources up to
    #[arg(long, default_value_t = 0.9)]
    pub target: f64,
    /// Instead: the tag keys spelled like the area key, with the cost each carries (aliases to add)
    #[arg(long)]
    pub tag_keys: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Focus)]
    pub format: ExportFormatArg,
    /// FOCUS version of the columns (focus and parquet)
    #[arg(long, value_enum, default_value_t = FocusVersionArg::V1_2)]
    pub focus_version: FocusVersionArg,
    /// File to write [default: apportion-YYYY-MM.focus-1.2.csv (or .parquet, .csv) in the current directory]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormatArg {
    /// FOCUS columns, CSV
    Focus,
    /// FOCUS columns, Parquet
    Parquet,
    /// apportion's own column names, CSV
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FocusVersionArg {
    #[value(name = "1.2")]
    V1_2,
    #[value(name = "1.3")]
    V1_3,
}

#[derive(Debug, clap::Args)]
pub struct SpikesArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    /// Only changes of at least this many dollars
    #[arg(long, default_value_t = 10.0, value_name = "USD")]
    pub min_delta: f64,
}

#[derive(Debug, clap::Args)]
pub struct UnitCostArgs {
    /// Only this month, YYYY-MM [default: every month with metrics]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    /// Only this metric
    #[arg(long)]
    pub metric: Option<String>,
    /// One product area's cost against the metric
    #[arg(long)]
    pub area: Option<String>,
    /// Costs before any [[split]] shared costs out (default: fully loaded, after splits)
    #[arg(long)]
    pub direct: bool,
}

#[derive(Debug, clap::Args)]
pub struct ForecastArgs {
    #[arg(long)]
    pub metric: String,
    /// How many more units
    #[arg(long)]
    pub amount: f64,
    /// Margin the price must keep
    #[arg(long, default_value_t = 0.3)]
    pub margin: f64,
    /// Price from this product area's cost and months (default: the whole bill)
    #[arg(long)]
    pub area: Option<String>,
    /// Costs before any [[split]] shared costs out (default: fully loaded, after splits)
    #[arg(long)]
    pub direct: bool,
}

#[derive(Debug, clap::Args)]
pub struct FinalizeArgs {
    /// Billing period to close, YYYY-MM
    #[arg(long, value_parser = parse_month)]
    pub month: String,
}

#[derive(Debug, Subcommand)]
pub enum ServicesCommand {
    /// Show each service's product area and where the entry came from
    List,
    /// Record service → product area from ECS services in Terraform, module by module
    ImportTerraform(ImportArgs),
}

#[derive(Debug, clap::Subcommand)]
pub enum TagCommand {
    /// Append a rule giving AREA to the lines whose FIELD is VALUE, and bring every month up to date
    Assign(TagAssignArgs),
    /// Remove the last rule of the rules file (the tagging page's `u`), and bring every month up to date
    Undo(TagUndoArgs),
    /// Append a rule taking each line's area from its KEY tag (`area_from_tag`), and bring every month up to date
    ByTag(TagByTagArgs),
}

#[derive(Debug, clap::Args)]
pub struct TagByTagArgs {
    /// The tag key whose values name the areas (`team`, `service`)
    pub key: String,
    /// The month brought up to date first [default: the latest]
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TagAssignArgs {
    /// What to match: resource, product, usage_type, operation, account, region or line_item_type
    pub field: String,
    /// The value as billed (matched exactly; a glob with --glob)
    pub value: String,
    /// The product area to give those lines
    pub area: String,
    /// VALUE is a glob (`plover-raw-*`), not an exact value
    #[arg(long)]
    pub glob: bool,
    /// The month brought up to date first, as the tagging page does with the month on screen [default: the latest]
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TagUndoArgs {
    /// The month brought up to date first [default: the latest]
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Directories of .tf files (each searched recursively, .terraform/ skipped)
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Values for the root modules' variables, as `terraform plan -var-file` (repeatable)
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Directories of .tf files (each searched recursively, .terraform/ skipped)
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Values for the root modules' variables, as `terraform plan -var-file` (repeatable)
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// The tag every taggable resource must carry [default: rules.toml tag_key, else product_area]
    #[arg(long, value_name = "KEY")]
    pub tag_key: Option<String>,
    /// Accept only the key as spelled, not its aliases (rules.toml [tag_aliases]) or other spellings
    #[arg(long)]
    pub strict_key: bool,
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    /// Fail on tags that cannot be resolved statically (and module calls not followed), too
    #[arg(long)]
    pub strict: bool,
    /// Also list resources suppressed with `# apportion:ignore` (with the reason) and module calls not followed
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct AttributeArgs {
    /// Idle ECS capacity: spread over the services that ran, or separate as (idle)
    #[arg(long, value_parser = parse_idle)]
    pub idle: Option<Idle>,
    /// ECS split weighting: cpu, memory, cpu+memory (9:1) or cpu+memory:R
    #[arg(long, value_parser = parse_weight)]
    pub weight: Option<Weight>,
    /// Cost allocation tag that names the product area [default: rules.toml tag_key, else product_area]
    #[arg(long, value_name = "KEY")]
    pub tag_key: Option<String>,
    /// Attribute only this billing period, YYYY-MM [default: every month]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
}

fn parse_idle(text: &str) -> Result<Idle, String> {
    Idle::parse(text).ok_or_else(|| format!("{text:?}: expected spread or separate"))
}

fn parse_weight(text: &str) -> Result<Weight, String> {
    Weight::parse(text).ok_or_else(|| format!("{text:?}: expected cpu, memory, cpu+memory or cpu+memory:R"))
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Also keep the demo's exports (bills, events, service map, metrics, rules) and Terraform in this directory
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Build the database without opening the explorer
    #[arg(long, conflicts_with = "tour")]
    pub no_tui: bool,
    /// A guided walk through the story, for presenting (Space next, Backspace back, q leaves the tour)
    #[arg(long)]
    pub tour: bool,
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Export files or directories, S3 prefixes (s3://bucket/prefix/), or, with --engine spark, paths the cluster reads (s3a://, abfss://, file:/…)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// AWS profile for s3:// paths; named, it wins over credentials in the environment [default: AWS_PROFILE, else default]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region for s3:// paths [default: the profile's or AWS_REGION; a bucket elsewhere is followed]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// S3-compatible endpoint for s3:// paths, e.g. http://localhost:9000 (MinIO) [default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// With --engine spark: the cluster reads s3:// paths too, where they lie, instead of this machine downloading them (s3a://, abfss://, file:/ and other cluster paths always are)
    #[arg(long)]
    pub on_cluster: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Billing period, YYYY-MM [default: the latest in the database]
    #[arg(long, value_parser = parse_month)]
    pub month: Option<String>,
    /// Group by: product, area, service, resource, account, usage_type, method, merged_into (comma separated)
    #[arg(long, value_delimiter = ',', value_parser = parse_dimension, default_value = "product")]
    pub by: Vec<Dimension>,
    #[arg(long, value_enum, default_value_t = CostArg::Unblended)]
    pub cost: CostArg,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

fn parse_dimension(text: &str) -> Result<Dimension, String> {
    Dimension::parse(text.trim()).ok_or_else(|| {
        let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.name()).collect();
        format!("unknown dimension {text:?}; expected one of {}", names.join(", "))
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CostArg {
    Unblended,
    Amortized,
    Blended,
    /// Amortized after discounts (the export's net columns)
    NetAmortized,
}

impl From<CostArg> for CostMeasure {
    fn from(c: CostArg) -> CostMeasure {
        match c {
            CostArg::Unblended => CostMeasure::Unblended,
            CostArg::Amortized => CostMeasure::Amortized,
            CostArg::Blended => CostMeasure::Blended,
            CostArg::NetAmortized => CostMeasure::NetAmortized,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> OutputFormat {
        match f {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Json => OutputFormat::Json,
        }
    }
}
