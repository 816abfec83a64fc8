# One sending account: three EventBridge rules on its default bus, each with
# the collector's event bus as target, and the one role EventBridge assumes to
# put events there (it may call events:PutEvents on that bus and nothing else).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

data "aws_caller_identity" "this" {}

locals {
  patterns = {
    ecs-task = {
      source        = ["aws.ecs"]
      "detail-type" = ["ECS Task State Change"]
    }
    ecs-container-instance = {
      source        = ["aws.ecs"]
      "detail-type" = ["ECS Container Instance State Change"]
    }
    # Needs a CloudTrail trail that logs management events in this account.
    # Failed calls (with an errorCode) changed nothing and are not sent.
    ebs-attach-detach = {
      source        = ["aws.ec2"]
      "detail-type" = ["AWS API Call via CloudTrail"]
      detail = {
        eventSource = ["ec2.amazonaws.com"]
        eventName   = ["AttachVolume", "DetachVolume"]
        errorCode   = [{ exists = false }]
      }
    }
  }
}

resource "aws_iam_role" "to_collector" {
  name = "${var.name}-sender"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.this.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "put_events" {
  name = "put-events-on-collector-bus"
  role = aws_iam_role.to_collector.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "events:PutEvents"
      Resource = var.event_bus_arn
    }]
  })
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each      = local.patterns
  name          = "${var.name}-${each.key}"
  description   = "Forward to the apportion collector bus"
  event_pattern = jsonencode(each.value)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "collector" {
  for_each  = local.patterns
  rule      = aws_cloudwatch_event_rule.forward[each.key].name
  target_id = "apportion-collector"
  arn       = var.event_bus_arn
  role_arn  = aws_iam_role.to_collector.arn
}
