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
