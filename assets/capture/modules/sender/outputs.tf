output "role_arn" {
  description = "The role EventBridge assumes to put events on the collector bus."
  value       = aws_iam_role.to_collector.arn
}

output "rule_arns" {
  description = "The forwarding rules, by kind."
  value       = { for k, rule in aws_cloudwatch_event_rule.forward : k => rule.arn }
}
