variable "name" {
  description = "Name of the event bus and the Firehose stream; prefix of the rule and roles."
  type        = string
}

variable "sender_role_arns" {
  description = "The senders' EventBridge roles (sender module output role_arn): the only principals that may put events on the bus."
  type        = list(string)
}

variable "bucket_name" {
  description = "S3 bucket for the events."
  type        = string
}

variable "create_bucket" {
  description = "Create the bucket (false: it exists already in this account)."
  type        = bool
  default     = true
}

variable "prefix" {
  description = "Key prefix of the event files, followed by YYYY/MM/DD/."
  type        = string
}

variable "error_prefix" {
  description = "Key prefix of records Firehose could not deliver."
  type        = string
}

variable "tags" {
  description = "Tags of every taggable resource (include product_area)."
  type        = map(string)
  default     = {}
}
