//! lint-terraform and services import-terraform on fixture trees, one per case:
//! finding by finding through the library, and through the command line a CI
//! job would run (text, JSON, exit codes).

use std::path::{Path, PathBuf};

use apportion::rules::TagAliases;
use apportion::terraform::lint::{AreaKey, Finding, Status};
use apportion::terraform::{Graph, lint::lint as lint_graph, load};
use assert_cmd::Command;

use crate::common::*;

/// (where the fix goes, Terraform address, status) of every finding, paths
/// relative to tests/fixtures/terraform.
fn findings(case: &str, var_files: &[&str]) -> Vec<(String, String, Status)> {
    let base = fixture("terraform");
    let vars: Vec<PathBuf> = var_files.iter().map(|v| base.join(v)).collect();
    let tree = load(&[base.join(case)], &vars).unwrap();
    let area_key = AreaKey::new("product_area", &TagAliases::default(), false);
    let found: Vec<Finding> = lint_graph(&Graph::build(&tree), &area_key);
    found
        .into_iter()
        .map(|f| (format!("{}:{}", rel(&base, &f.file), f.line), f.address, f.status))
        .collect()
}

fn rel(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}

fn finding(at: &str, address: &str, status: Status) -> (String, String, Status) {
    (at.to_owned(), address.to_owned(), status)
}

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
    assert_eq!(
        stdout,
        "missing/main.tf:8: aws_instance.web: missing: no tag \"team\"\n"
    );
}

#[test]
fn aliased_providers_bring_their_own_default_tags() {
    let (code, stdout, _) = lint("aliased", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "aliased/main.tf:18: aws_dynamodb_table.sessions: missing: no tag \"product_area\"\n"
    );
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
    assert!(
        stdout.contains("unresolvable/main.tf:10: aws_lambda_function.thumbs: unknown:"),
        "{stdout}"
    );
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
    let calls: Vec<&str> = findings
        .iter()
        .map(|f| f["chain"][0]["call"].as_str().unwrap())
        .collect();
    assert_eq!(
        calls,
        ["module.checkout_api", "module.cart", "module.worker"],
        "{stdout}"
    );
    for f in &findings {
        assert_eq!(f["resource"]["address"], "aws_cloudwatch_log_group.this");
        assert_eq!(f["status"], "missing");
        assert_eq!(
            (f["line"].as_u64(), f["resource"]["line"].as_u64()),
            (Some(16), Some(16))
        );
        assert_eq!(f["file"], "module_layout/modules/ecs-service/main.tf");
        assert_eq!(f["chain"][0]["file"], "module_layout/main.tf");
    }
    assert_eq!(findings[1]["address"], "module.cart.aws_cloudwatch_log_group.this");
    assert_eq!(findings[1]["chain"][0]["line"], 14);
}

#[test]
fn a_module_is_judged_at_each_call() {
    assert_eq!(
        findings("modules_called", &[]),
        [finding(
            "modules_called/main.tf:6",
            "module.scratch.aws_s3_bucket.this",
            Status::Missing
        )]
    );
    let (code, stdout, _) = lint("modules_called", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "modules_called/main.tf:6: module.scratch › aws_s3_bucket.this (modules_called/modules/bucket/main.tf:6): missing: no tag \"product_area\"\n"
    );
}

#[test]
fn for_each_count_providers_and_ignore_on_module_blocks() {
    assert_eq!(
        findings("module_meta", &[]),
        [
            finding(
                "module_meta/main.tf:20",
                "module.copies.aws_sqs_queue.this",
                Status::Missing
            ),
            finding(
                "module_meta/main.tf:27",
                "module.vendor.aws_sqs_queue.this",
                Status::Ignored
            ),
        ]
    );
    let (code, stdout, _) = lint("module_meta", &["--verbose"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "module_meta/main.tf:20: module.copies › aws_sqs_queue.this (module_meta/modules/queue/main.tf:7): missing: no tag \"product_area\"\n\
         module_meta/main.tf:27: module.vendor › aws_sqs_queue.this (module_meta/modules/queue/main.tf:7): ignored: vendor queues, tagged by the vendor's own pipeline\n"
    );
}

#[test]
fn tags_passed_two_levels_down_and_the_call_that_drops_them() {
    assert_eq!(
        findings("nested", &[]),
        [
            // batch passes its own map without the key: the fix is its call.
            finding(
                "nested/envs/prod/main.tf:15",
                "module.batch.module.queue.aws_sqs_queue.this",
                Status::Missing
            ),
            // the service module's archive call passes no tags: the fix is in the service module.
            finding(
                "nested/modules/service/main.tf:10",
                "module.search.module.archive.aws_s3_bucket.this",
                Status::Missing
            ),
            finding(
                "nested/modules/service/main.tf:10",
                "module.batch.module.archive.aws_s3_bucket.this",
                Status::Missing
            ),
        ]
    );
    let (code, stdout, _) = lint("nested", &["--format", "json"]);
    assert_eq!(code, 1);
    let json: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json[0]["chain"],
        serde_json::json!([
            { "call": "module.batch", "file": "nested/envs/prod/main.tf", "line": 15 },
            { "call": "module.queue", "file": "nested/modules/service/main.tf", "line": 4 },
        ])
    );
    assert_eq!(
        json[0]["resource"],
        serde_json::json!({ "address": "aws_sqs_queue.this", "file": "nested/modules/queue/main.tf", "line": 7 })
    );
    assert_eq!(json[0]["message"], "no tag \"product_area\"");
}

#[test]
fn root_variables_take_tfvars_auto_tfvars_and_var_files() {
    assert_eq!(
        findings("tfvars", &[]),
        [
            finding("tfvars/main.tf:26", "aws_s3_bucket.from_var_file", Status::Missing),
            finding("tfvars/main.tf:31", "aws_s3_bucket.no_value", Status::Unknown),
        ]
    );
    assert_eq!(
        findings("tfvars", &["tfvars/prod.tfvars"]),
        [finding("tfvars/main.tf:31", "aws_s3_bucket.no_value", Status::Unknown)]
    );
    let (code, stdout, _) = lint("tfvars", &["--var-file", "tfvars/prod.tfvars"]);
    assert_eq!(code, 0, "unknown is not missing");
    assert_eq!(
        stdout,
        "tfvars/main.tf:31: aws_s3_bucket.no_value: unknown: tag \"product_area\" may be set: var.team_tags has no value: no default, and none in terraform.tfvars, *.auto.tfvars or --var-file\n"
    );
    let (code, _, stderr) = lint("tfvars", &["--var-file", "tfvars/absent.tfvars"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("absent.tfvars"), "{stderr}");
}

#[test]
fn registry_modules_are_followed_through_modules_json() {
    assert_eq!(
        findings("registry", &[]),
        [
            // Downloaded code cannot be edited here: the finding is at the call into it.
            finding(
                "registry/main.tf:5",
                "module.vpc.aws_internet_gateway.this",
                Status::Missing
            ),
            finding("registry/main.tf:12", "module.cache", Status::Unfollowed),
        ]
    );
    let (code, stdout, _) = lint("registry", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "registry/main.tf:5: module.vpc › aws_internet_gateway.this (registry/.terraform/modules/vpc/main.tf:12): missing: no tag \"product_area\"\n"
    );
    let (_, verbose, _) = lint("registry", &["--verbose"]);
    assert!(
        verbose.ends_with("registry/main.tf:12: module.cache: not followed: what it creates is unknown: \"git::https://example.com/cache.git\" is not in .terraform/modules/modules.json (run terraform init again)\n"),
        "{verbose}"
    );
}

#[test]
fn without_modules_json_registry_modules_are_unknown_and_strict_fails() {
    let (code, stdout, _) = lint("unresolvable", &["--verbose"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("unresolvable/main.tf:1: module.labels: not followed: what it creates is unknown: \"cloudposse/label/null\" is not a local path and there is no .terraform/modules/modules.json (run terraform init)\n"), "{stdout}");
    let (code, _, _) = lint("unresolvable", &["--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn a_module_no_one_calls_gets_its_inputs_from_absent_callers() {
    assert_eq!(
        findings("uncalled", &[]),
        [
            finding("uncalled/main.tf:7", "aws_vpc.this", Status::Unknown),
            finding("uncalled/main.tf:18", "aws_eip.nat", Status::Missing),
        ]
    );
    let (code, stdout, _) = lint("uncalled", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "uncalled/main.tf:7: aws_vpc.this: unknown: tag \"product_area\" may be set: var.tags comes from the module's callers, and none is in the linted tree\n\
         uncalled/main.tf:18: aws_eip.nat: missing: no tag \"product_area\"\n"
    );
}

#[test]
fn several_directories_on_the_command_line() {
    let (code, stdout, _) = lint("tagged", &["default_tags"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let (code, stdout, _) = lint("tagged", &["missing"]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
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
    Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("sync")
        .arg(fixture("dbr"))
        .assert()
        .success();
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
    assert!(
        lines[0].contains("aws_s3_bucket.big") && lines[0].ends_with("($12.50 billed)"),
        "{stdout}"
    );
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
    assert!(
        stdout.contains("3 services mapped from Terraform, 1 without a product_area"),
        "{stdout}"
    );
    let list = Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.contains("cart → checkout  from "), "{list}");
    assert!(list.contains("module_layout/main.tf:14"), "{list}");
    assert!(
        list.contains("checkout-api → checkout") && list.contains("search-api → search"),
        "{list}"
    );
    // Importing again replaces, never duplicates.
    Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "import-terraform"])
        .arg(fixture("terraform/module_layout"))
        .assert()
        .code(1);
    let again = Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "list"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), list);
}

#[test]
fn a_service_module_called_twice_gives_two_services() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.duckdb");
    let out = Command::cargo_bin("apportion")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["services", "import-terraform"])
        .arg(fixture("terraform/services_twice"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("orders-api → checkout  ("), "{stdout}");
    assert!(stdout.contains("search-api → search  ("), "{stdout}");
    assert!(
        stdout.contains("services_twice/main.tf:11)"),
        "the call site names the service: {stdout}"
    );
    assert!(
        stdout.contains("2 services mapped from Terraform, 0 without a product_area"),
        "{stdout}"
    );
}

#[test]
fn the_capture_kit_tags_everything_it_creates() {
    let kit = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/capture");
    let tree = load(std::slice::from_ref(&kit), &[]).unwrap();
    let graph = Graph::build(&tree);
    assert!(graph.unfollowed.is_empty(), "both submodules are followed");
    let calls: Vec<String> = graph
        .instances
        .iter()
        .filter_map(|i| i.chain.last().map(|s| s.call.clone()))
        .collect();
    assert_eq!(
        calls,
        ["module.collector", "module.sender_prod", "module.sender_staging"]
    );
    let found = lint_graph(&graph, &AreaKey::new("product_area", &TagAliases::default(), false));
    assert!(found.is_empty(), "{found:#?}");
    Command::cargo_bin("apportion")
        .unwrap()
        .arg("lint-terraform")
        .arg(&kit)
        .env_remove("APPORTION_DB")
        .assert()
        .code(0)
        .stdout("");
}

/// Tag keys spelled as accounts really spell them: `Product-Area` is the
/// area key (same letters), `ProdArea` is once rules.toml makes it an alias,
/// and `--strict-key` wants the key exactly as given.
#[test]
fn tag_spellings_aliases_and_strict_key() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "[tag_aliases]\nproduct_area = [\"ProdArea\"]\n").unwrap();
    let (code, out, err) = lint("tag_spellings", &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("aws_s3_bucket.prod_area") && out.contains("no tag \"product_area\""),
        "{out}"
    );
    assert!(!out.contains("dashed") && !out.contains("exact"), "{out}");
    let (code, out, err) = lint("tag_spellings", &["--rules", rules.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, err) = lint("tag_spellings", &["--rules", rules.to_str().unwrap(), "--strict-key"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("tag spelled \"Product-Area\"; the key is \"product_area\""),
        "{out}"
    );
    assert!(out.contains("tag spelled \"ProdArea\""), "{out}");
    assert!(!out.contains("aws_s3_bucket.exact"), "{out}");
    assert!(out.contains("misspelled"), "{out}");
}
