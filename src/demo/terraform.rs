//! The demo company's Terraform, written from the same story as its bill:
//! a root per account (buckets, tables, the Firehose stream, caches, log
//! groups, NAT gateways, instances, ECS clusters) and an ECS service module
//! called once per service with its `product_area`. What the story leaves
//! untagged is untagged here too, so `lint-terraform --db` ranks it by the
//! dollars it was billed, and `services import-terraform` reads the
//! service map (all but `billing-sync`, which declares no area).

use std::fmt::Write as _;
use std::path::Path;

use super::story::{self, Declared, MACHINES, NAMED, POOLS, PROD, SERVICES, STAGING, Tags};

/// The files of the tree, relative to its root, with their text.
pub fn files() -> Vec<(String, String)> {
    let mut out = vec![("modules/ecs-service/main.tf".to_owned(), SERVICE_MODULE.to_owned())];
    for (dir, account, env) in [("prod", PROD, "prod"), ("staging", STAGING, "staging")] {
        out.push((format!("{dir}/main.tf"), root(account, env)));
        out.push((format!("{dir}/data.tf"), data(account)));
        out.push((format!("{dir}/compute.tf"), compute(account)));
        out.push((format!("{dir}/ecs.tf"), ecs(account)));
    }
    out
}

pub fn write(dir: &Path) -> std::io::Result<()> {
    for (path, text) in files() {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

const SERVICE_MODULE: &str = r#"# One ECS service on an EC2 cluster. The product_area tag is what
# `apportion services import-terraform` reads as the service map.

variable "name" {
  type = string
}

variable "cluster" {
  type = string
}

variable "cpu" {
  type = number
}

variable "desired_count" {
  type = number
}

variable "product_area" {
  type    = string
  default = ""
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["EC2"]
  cpu                      = var.cpu
  memory                   = var.cpu * 2
  container_definitions = jsonencode([{
    name      = var.name
    image     = "plover/${var.name}:latest"
    essential = true
  }])
  tags = { product_area = var.product_area }
}

resource "aws_ecs_service" "this" {
  name            = var.name
  cluster         = var.cluster
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = var.desired_count
  tags            = { product_area = var.product_area }
}
"#;

fn root(account: &str, env: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
  backend "s3" {{
    bucket = "plover-tf-state"
    key    = "{env}/terraform.tfstate"
    region = "{region}"
  }}
}}

# Every resource gets env and managed_by; product_area is up to each resource.
provider "aws" {{
  region              = "{region}"
  allowed_account_ids = ["{account}"]
  default_tags {{
    tags = {{
      env        = "{env}"
      managed_by = "terraform"
    }}
  }}
}}

variable "ami" {{
  type    = string
  default = "ami-0c2b8ca1dad447f8a"
}}

variable "subnet_ids" {{
  type    = list(string)
  default = ["subnet-0a11", "subnet-0b22", "subnet-0c33"]
}}
"#,
        region = story::REGION,
    )
}

/// `plover-raw-events` → `raw_events`
fn local_name(name: &str) -> String {
    name.trim_start_matches("plover-").replace('-', "_")
}

/// The `tags = {...}` line of a resource with these story tags, if any.
fn tags_line(tags: &Tags, name_tag: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if let Some(name) = name_tag.filter(|n| !n.is_empty()) {
        pairs.push(format!("Name = \"{name}\""));
    }
    if !tags.area.is_empty() {
        pairs.push(format!("product_area = \"{}\"", tags.area));
    }
    if !tags.team.is_empty() {
        pairs.push(format!("team = \"{}\"", tags.team));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("  tags = {{ {} }}\n", pairs.join(", "))
    }
}

/// Buckets, tables, the Firehose stream, caches, log groups and NAT gateways of one account.
fn data(account: &str) -> String {
    let mut text = String::new();
    let mut caches_done: Vec<String> = Vec::new();
    let mut nats = 0;
    for named in NAMED.iter().filter(|n| n.account == account && n.deleted.is_none()) {
        let local = local_name(named.name);
        let tags = tags_line(&named.tags, None);
        let block = match named.declared {
            Declared::Bucket => format!(
                "resource \"aws_s3_bucket\" \"{local}\" {{\n  bucket = \"{}\"\n{tags}}}\n",
                named.name
            ),
            Declared::Table => format!(
                "resource \"aws_dynamodb_table\" \"{local}\" {{\n  name         = \"{}\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"id\"\n  attribute {{\n    name = \"id\"\n    type = \"S\"\n  }}\n{tags}}}\n",
                named.name
            ),
            Declared::Stream => format!(
                "resource \"aws_kinesis_firehose_delivery_stream\" \"{local}\" {{\n  name        = \"{}\"\n  destination = \"extended_s3\"\n  extended_s3_configuration {{\n    role_arn   = \"arn:aws:iam::{account}:role/firehose-delivery\"\n    bucket_arn = aws_s3_bucket.raw_events.arn\n  }}\n{tags}}}\n",
                named.name
            ),
            Declared::LogGroup => format!(
                "resource \"aws_cloudwatch_log_group\" \"{local}\" {{\n  name              = \"{}\"\n  retention_in_days = 30\n{tags}}}\n",
                named.name
            ),
            Declared::Cache => {
                // Nodes `query-cache-001`… belong to the replication group `query-cache`.
                let group = named.name.rsplit_once('-').map_or(named.name, |(g, _)| g);
                if caches_done.iter().any(|g| g == group) {
                    continue;
                }
                caches_done.push(group.to_owned());
                let nodes = NAMED
                    .iter()
                    .filter(|n| n.declared == Declared::Cache && n.name.starts_with(group))
                    .count();
                let node_type = named
                    .meters
                    .first()
                    .map_or("", |m| m.usage_type.trim_start_matches("USE1-NodeUsage:"));
                format!(
                    "resource \"aws_elasticache_replication_group\" \"{}\" {{\n  replication_group_id = \"{group}\"\n  description          = \"{group}\"\n  node_type            = \"{node_type}\"\n  num_cache_clusters   = {nodes}\n{tags}}}\n",
                    local_name(group)
                )
            }
            Declared::NatGateway => {
                nats += 1;
                continue;
            }
        };
        text.push_str(&block);
        text.push('\n');
    }
    if nats > 0 {
        let _ = writeln!(
            text,
            "# The proxy reaches customers' origins through these.\nresource \"aws_nat_gateway\" \"egress\" {{\n  count         = {nats}\n  allocation_id = \"eipalloc-0${{count.index}}\"\n  subnet_id     = var.subnet_ids[count.index]\n}}"
        );
    }
    text
}

/// The account's machines outside ECS.
fn compute(account: &str) -> String {
    let mut text = String::new();
    for machine in MACHINES.iter().filter(|m| m.account == account && m.until.is_none()) {
        let _ = writeln!(
            text,
            "resource \"aws_instance\" \"{}\" {{\n  count         = {}\n  ami           = var.ami\n  instance_type = \"{}\"\n  subnet_id     = var.subnet_ids[count.index % 3]\n{}}}\n",
            local_name(machine.name),
            machine.count,
            machine.instance.name,
            tags_line(&machine.tags, Some(machine.name)),
        );
    }
    text
}

/// The account's ECS clusters, and in prod every service.
fn ecs(account: &str) -> String {
    let mut text = String::from("# ECS clusters are the platform team's; each service says whose it is.\n\n");
    for pool in POOLS.iter().filter(|p| p.account == account) {
        let _ = writeln!(
            text,
            "resource \"aws_ecs_cluster\" \"{}\" {{\n  name = \"{}\"\n  tags = {{ product_area = \"platform\" }}\n}}\n",
            pool.cluster, pool.cluster
        );
    }
    if account != PROD {
        return text;
    }
    for (s, service) in SERVICES.iter().enumerate() {
        // Each service runs in one prod cluster, as many tasks as the latest month's lanes.
        let Some(pool) = POOLS
            .iter()
            .find(|p| p.account == PROD && p.tasks_of(s, story::LATEST) > 0)
        else {
            continue;
        };
        let area = service
            .area
            .map(|a| format!("  product_area  = \"{a}\"\n"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "module \"{}\" {{\n  source        = \"../modules/ecs-service\"\n  name          = \"{}\"\n  cluster       = aws_ecs_cluster.{}.id\n  cpu           = {}\n  desired_count = {}\n{area}}}\n",
            local_name(service.name),
            service.name,
            pool.cluster,
            service.cpu,
            pool.tasks_of(s, story::LATEST),
        );
    }
    text
}
