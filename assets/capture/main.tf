# The ECS event capture kit: every account forwards the ECS and EBS events
# apportion reads to one event bus in a collector account, which writes them
# to S3 through Kinesis Data Firehose as gzip JSON lines, one folder per day.
#
# This root is an example with two sending accounts (prod, staging); add a
# provider and a module "sender_…" block per account. The collector account
# may also be a sender (give it a provider alias and a sender block too).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}

locals {
  tags = { product_area = var.product_area }
}

provider "aws" {
  alias               = "collector"
  region              = var.region
  profile             = var.collector_profile
  allowed_account_ids = [var.collector_account_id]
}

provider "aws" {
  alias               = "prod"
  region              = var.region
  profile             = var.prod_profile
  allowed_account_ids = [var.prod_account_id]
}

provider "aws" {
  alias               = "staging"
  region              = var.region
  profile             = var.staging_profile
  allowed_account_ids = [var.staging_account_id]
}

module "collector" {
  source    = "./modules/collector"
  providers = { aws = aws.collector }

  name             = var.name
  sender_role_arns = [module.sender_prod.role_arn, module.sender_staging.role_arn]
  bucket_name      = var.bucket_name
  create_bucket    = var.create_bucket
  prefix           = var.prefix
  error_prefix     = var.error_prefix
  tags             = local.tags
}

module "sender_prod" {
  source    = "./modules/sender"
  providers = { aws = aws.prod }

  name          = var.name
  event_bus_arn = module.collector.event_bus_arn
  tags          = local.tags
}

module "sender_staging" {
  source    = "./modules/sender"
  providers = { aws = aws.staging }

  name          = var.name
  event_bus_arn = module.collector.event_bus_arn
  tags          = local.tags
}
