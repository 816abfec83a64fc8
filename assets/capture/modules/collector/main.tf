# The collector account: a custom event bus that the senders' roles may put
# events on, one rule that sends everything on it to a Firehose stream, and
# the stream writing gzip JSON lines (one event per line) to S3 by day.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

data "aws_caller_identity" "this" {}
data "aws_partition" "this" {}

locals {
  account_id = data.aws_caller_identity.this.account_id
  bucket_arn = "arn:${data.aws_partition.this.partition}:s3:::${var.bucket_name}"
}

resource "aws_cloudwatch_event_bus" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_cloudwatch_event_bus_policy" "senders" {
  event_bus_name = aws_cloudwatch_event_bus.this.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SendersPutEvents"
      Effect    = "Allow"
      Principal = { AWS = var.sender_role_arns }
      Action    = "events:PutEvents"
      Resource  = aws_cloudwatch_event_bus.this.arn
    }]
  })
}

resource "aws_s3_bucket" "events" {
  count  = var.create_bucket ? 1 : 0
  bucket = var.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "events" {
  count                   = var.create_bucket ? 1 : 0
  bucket                  = aws_s3_bucket.events[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_iam_role" "firehose" {
  name = "${var.name}-firehose"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "firehose.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "firehose_s3" {
  name = "write-events-to-s3"
  role = aws_iam_role.firehose.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
        Resource = local.bucket_arn
      },
      {
        Effect   = "Allow"
        Action   = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
        Resource = ["${local.bucket_arn}/${var.prefix}*", "${local.bucket_arn}/${var.error_prefix}*"]
      },
    ]
  })
}

resource "aws_kinesis_firehose_delivery_stream" "events" {
  name        = var.name
  destination = "extended_s3"

  extended_s3_configuration {
    role_arn            = aws_iam_role.firehose.arn
    bucket_arn          = local.bucket_arn
    prefix              = "${var.prefix}!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    error_output_prefix = "${var.error_prefix}!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    compression_format  = "GZIP"
    buffering_size      = 64
    buffering_interval  = 300

    # One event per line: apportion sync reads the files as JSON lines.
    processing_configuration {
      enabled = true
      processors {
        type = "AppendDelimiterToRecord"
      }
    }
  }

  tags = var.tags

  # The bucket is named, not referenced: wait for it, and for the role's policy.
  depends_on = [aws_s3_bucket.events, aws_iam_role_policy.firehose_s3]
}

resource "aws_cloudwatch_event_rule" "to_firehose" {
  name           = "${var.name}-to-firehose"
  description    = "Everything the senders forward, to the apportion Firehose stream"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = jsonencode({ source = ["aws.ecs", "aws.ec2"] })
  tags           = var.tags
}

resource "aws_iam_role" "events_to_firehose" {
  name = "${var.name}-events-to-firehose"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "put_records" {
  name = "put-records-on-firehose"
  role = aws_iam_role.events_to_firehose.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
      Resource = aws_kinesis_firehose_delivery_stream.events.arn
    }]
  })
}

resource "aws_cloudwatch_event_target" "firehose" {
  rule           = aws_cloudwatch_event_rule.to_firehose.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "apportion-firehose"
  arn            = aws_kinesis_firehose_delivery_stream.events.arn
  role_arn       = aws_iam_role.events_to_firehose.arn
}
