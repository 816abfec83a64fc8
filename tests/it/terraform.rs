//! lint-terraform and services import-terraform on fixture trees, one per case,
//! through the command line a CI job would run.

use assert_cmd::Command;

use crate::common::*;

fn lint(case: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("apportion")
        .unwrap()
        .env_remove("APPORTION_DB")
        .current_dir(fixture("terraform"))
        .arg("lint-terraform")
        .arg(case)
        .args(extra)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn clean_trees_print_nothing_and_exit_0() {
    for case in ["tagged", "block_form", "default_tags", "locals_vars", "untaggable"] {
        let (code, stdout, stderr) = lint(case, &[]);
        assert_eq!((code, stdout.as_str()), (0, ""), "{case}: {stderr}");
    }
}

#[test]
fn missing_tags_name_file_line_and_address() {
    let (code, stdout, _) = lint("missing", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "missing/main.tf:1: aws_s3_bucket.logs: missing: no tag \"product_area\"\n\
         missing/main.tf:8: aws_instance.web: missing: no tag \"product_area\"\n"
    );
    // Another tag key is another question.
    let (code, stdout, _) = lint("missing", &["--tag-key", "team"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "missing/main.tf:8: aws_instance.web: missing: no tag \"team\"\n");
}

#[test]
fn aliased_providers_bring_their_own_default_tags() {
    let (code, stdout, _) = lint("aliased", &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "aliased/main.tf:18: aws_dynamodb_table.sessions: missing: no tag \"product_area\"\n");
}

#[test]
fn merge_resolves_locals_and_calls_the_rest_unknown() {
    let (code, stdout, _) = lint("merge", &[]);
    assert_eq!(code, 0, "unknown is not missing");
    assert_eq!(
        stdout,
        "merge/main.tf:17: aws_sns_topic.refunds: unknown: tag \"product_area\" may be set: var.extra comes from the module's callers, and none is in the linted tree\n"
    );
    let (code, _, _) = lint("merge", &["--strict"]);
    assert_eq!(code, 1, "--strict fails on unknowns");
}

#[test]
fn unresolvable_values_are_unknown() {
    let (code, stdout, _) = lint("unresolvable", &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("unresolvable/main.tf:5: aws_lambda_function.resize: unknown: tag \"product_area\" may be set: module.labels is not followed: \"cloudposse/label/null\" is not a local path and there is no .terraform/modules/modules.json (run terraform init)"), "{stdout}");
    assert!(stdout.contains("unresolvable/main.tf:10: aws_lambda_function.thumbs: unknown:"), "{stdout}");
}

#[test]
fn ignore_comments_suppress_and_verbose_shows_the_reason() {
    let (code, stdout, _) = lint("ignore", &[]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let (_, stdout, _) = lint("ignore", &["--verbose"]);
    assert_eq!(
        stdout,
        "ignore/main.tf:2: aws_s3_bucket.vendor: ignored: vendor-managed bucket, tagged by the vendor's own pipeline\n\
         ignore/main.tf:6: aws_s3_bucket.mine: ignored: scratch space, deleted weekly\n"
    );
}

#[test]
fn each_instance_of_a_module_inherits_the_root_providers() {
    // The log group has no tags of its own and the root's default_tags lack the
    // key: one finding per call, at the resource, where the fix goes.
    let (code, stdout, _) = lint("module_layout", &["--format", "json"]);
    assert_eq!(code, 1);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let calls: Vec<&str> = findings.iter().map(|f| f["chain"][0]["call"].as_str().unwrap()).collect();
    assert_eq!(calls, ["module.checkout_api", "module.cart", "module.worker"], "{stdout}");
    for f in &findings {
        assert_eq!(f["resource"]["address"], "aws_cloudwatch_log_group.this");
        assert_eq!(f["status"], "missing");
        assert_eq!((f["line"].as_u64(), f["resource"]["line"].as_u64()), (Some(16), Some(16)));
        assert_eq!(f["file"], "module_layout/modules/ecs-service/main.tf");
        assert_eq!(f["chain"][0]["file"], "module_layout/main.tf");
    }
    assert_eq!(findings[1]["address"], "module.cart.aws_cloudwatch_log_group.this");
    assert_eq!(findings[1]["chain"][0]["line"], 14);
}

#[test]
fn a_parse_error_names_file_and_line_and_exits_2() {
    let (code, stdout, stderr) = lint("parse_error", &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("parse_error/main.tf:6: HCL parse error"), "{stderr}");
    let (code, _, stderr) = lint("no_such_dir", &[]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn findings_are_ranked_by_billed_dollars_with_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("tf");
    std::fs::create_dir(&tf).unwrap();
    std::fs::write(
        tf.join("main.tf"),
        "resource \"aws_s3_bucket\" \"small\" {\n  bucket = \"cheap-bucket\"\n}\n\nresource \"aws_s3_bucket\" \"big\" {\n  bucket = \"checkout-assets\"\n}\n",
    )
    .unwrap();
    let db = dir.path().join("a.duckdb");
    Command::cargo_bin("apportion").unwrap().arg("--db").arg(&db).arg("sync").arg(fixture("dbr")).assert().success();
    let out = Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("lint-terraform")
        .arg(&tf)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("aws_s3_bucket.big") && lines[0].ends_with("($12.50 billed)"), "{stdout}");
    assert!(lines[1].contains("aws_s3_bucket.small"), "{stdout}");
}

#[test]
fn import_terraform_maps_services_and_lists_the_unmapped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    let out = Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "import-terraform"])
        .arg(fixture("terraform/module_layout"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "worker has no product_area");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("worker: no product_area"), "{stdout}");
    assert!(stdout.contains("3 services mapped from Terraform, 1 without a product_area"), "{stdout}");
    let list = Command::cargo_bin("apportion").unwrap().arg("--db").arg(&db).args(["services", "list"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.contains("cart → checkout  from "), "{list}");
    assert!(list.contains("module_layout/main.tf:14"), "{list}");
    assert!(list.contains("checkout-api → checkout") && list.contains("search-api → search"), "{list}");
    // Importing again replaces, never duplicates.
    Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "import-terraform"])
        .arg(fixture("terraform/module_layout"))
        .assert()
        .code(1);
    let again = Command::cargo_bin("apportion").unwrap().arg("--db").arg(&db).args(["services", "list"]).output().unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), list);
}
