output "event_bus_arn" {
  value = aws_cloudwatch_event_bus.this.arn
}

output "rule_arn" {
  value = aws_cloudwatch_event_rule.to_firehose.arn
}

output "firehose_arn" {
  value = aws_kinesis_firehose_delivery_stream.events.arn
}

output "firehose_role_arn" {
  value = aws_iam_role.firehose.arn
}

output "events_to_firehose_role_arn" {
  value = aws_iam_role.events_to_firehose.arn
}

output "bucket_arn" {
  value = local.bucket_arn
}

output "events_s3_uri" {
  description = "Where the event files land (sync this prefix)."
  value       = "s3://${var.bucket_name}/${var.prefix}"
}
