//! The Spark Connect server the `spark` feature's tests use: `.ci/spark-connect
//! start` runs one (pyspark's, on OpenJDK 17) on 127.0.0.1:15002, or
//! APPORTION_TEST_SPARK_REMOTE names another. Without one the tests skip with
//! a message; with APPORTION_REQUIRE_SPARK set (CI) that is a failure, so a
//! broken server cannot pass as a skip.

/// A checked session, or None (with a note) where no server answers.
#[cfg(feature = "spark")]
pub fn session() -> Option<apportion::spark::Spark> {
    let remote = apportion::spark::Remote::parse(&remote_url(), None).unwrap();
    match apportion::spark::Spark::connect(remote) {
        Ok(spark) => Some(spark),
        Err(e) => {
            skip(&format!("{e:#}"));
            None
        }
    }
}

/// The server's URL, as the CLI tests pass it.
#[cfg(feature = "spark")]
pub fn remote_url() -> String {
    std::env::var("APPORTION_TEST_SPARK_REMOTE").unwrap_or_else(|_| "sc://127.0.0.1:15002".to_string())
}

/// Without the feature there is no client: a run that requires Spark fails.
#[cfg(not(feature = "spark"))]
pub fn without_feature() {
    skip("this test binary was built without `--features spark`");
}

fn skip(why: &str) {
    assert!(
        std::env::var_os("APPORTION_REQUIRE_SPARK").is_none(),
        "Spark is required here (APPORTION_REQUIRE_SPARK) but: {why}"
    );
    eprintln!(
        "skipped on Spark: {why}; start a server with `.ci/spark-connect start` and run \
         `cargo test --release --features spark`"
    );
}

/// A fake Spark Connect endpoint (tests/fake_spark_connect.py, on the
/// protocol modules of pyspark's venv): an old Spark, or one that wants a
/// token. It stops when dropped.
#[cfg(feature = "spark")]
pub struct FakeServer {
    child: std::process::Child,
    pub port: u16,
}

#[cfg(feature = "spark")]
impl FakeServer {
    /// Started with the script's arguments, or None (with a note) where
    /// pyspark's venv is missing.
    pub fn start(args: &[&str]) -> Option<FakeServer> {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let venv = std::env::var_os("SPARK_VENV").map_or_else(
            || std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/spark-venv"),
            std::path::PathBuf::from,
        );
        let python = venv.join("bin").join("python");
        if !python.exists() {
            skip(&format!(
                "no pyspark venv at {} (`.ci/spark-connect install`)",
                venv.display()
            ));
            return None;
        }
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_spark_connect.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the fake Spark Connect server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the fake server said {line:?}"));
        Some(FakeServer { child, port })
    }

    pub fn url(&self) -> String {
        format!("sc://127.0.0.1:{}", self.port)
    }
}

#[cfg(feature = "spark")]
impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
