output "event_bus_arn" {
  description = "The central event bus in the collector account."
  value       = module.collector.event_bus_arn
}

output "collector" {
  description = "Every ARN on the collector side."
  value = {
    event_bus_arn               = module.collector.event_bus_arn
    rule_arn                    = module.collector.rule_arn
    firehose_arn                = module.collector.firehose_arn
    firehose_role_arn           = module.collector.firehose_role_arn
    events_to_firehose_role_arn = module.collector.events_to_firehose_role_arn
    bucket_arn                  = module.collector.bucket_arn
  }
}

output "senders" {
  description = "Every ARN on the sending side, per account."
  value = {
    prod    = { role_arn = module.sender_prod.role_arn, rule_arns = module.sender_prod.rule_arns }
    staging = { role_arn = module.sender_staging.role_arn, rule_arns = module.sender_staging.rule_arns }
  }
}

output "sync_command" {
  description = "Copy the captured events to a local folder, then load them."
  value       = "aws s3 sync ${module.collector.events_s3_uri} ./ecs-events && apportion sync ./ecs-events"
}
