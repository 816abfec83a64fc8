//! Default locations: the database in the platform data dir, rules in the
//! platform config dir; `--db`/`APPORTION_DB` and `--rules` override them.

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "apportion")
}

/// `~/.local/share/apportion/apportion.duckdb` on Linux (or `./apportion.duckdb` without a home).
pub fn default_db_path() -> PathBuf {
    data_file("apportion.duckdb")
}

/// Where `demo` builds its database unless `--db` says otherwise; never the real one.
pub fn default_demo_db_path() -> PathBuf {
    data_file("demo.duckdb")
}

fn data_file(name: &str) -> PathBuf {
    dirs().map_or_else(|| PathBuf::from(name), |d| d.data_dir().join(name))
}

pub fn default_rules_path() -> PathBuf {
    dirs().map_or_else(|| PathBuf::from("rules.toml"), |d| d.config_dir().join("rules.toml"))
}
