variable "region" {
  description = "Region of the ECS clusters and of the collector (EventBridge forwards to a bus in the same region)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name (and name prefix) of the event bus, Firehose stream, rules and roles."
  type        = string
  default     = "apportion-capture"
}

variable "collector_account_id" {
  description = "Account that holds the event bus, the Firehose stream and the bucket."
  type        = string
}

variable "prod_account_id" {
  description = "A sending account: its ECS clusters' events are forwarded."
  type        = string
}

variable "staging_account_id" {
  description = "Another sending account."
  type        = string
}

variable "collector_profile" {
  description = "AWS CLI profile for the collector account (null: the default credentials)."
  type        = string
  default     = null
}

variable "prod_profile" {
  description = "AWS CLI profile for the prod account."
  type        = string
  default     = null
}

variable "staging_profile" {
  description = "AWS CLI profile for the staging account."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "S3 bucket the events are written to."
  type        = string
}

variable "create_bucket" {
  description = "Create the bucket (false: it exists already, in the collector account)."
  type        = bool
  default     = true
}

variable "prefix" {
  description = "Key prefix of the event files; a date folder (YYYY/MM/DD/) follows it."
  type        = string
  default     = "apportion/events/"
}

variable "error_prefix" {
  description = "Key prefix for records Firehose could not deliver; kept apart from the events."
  type        = string
  default     = "apportion/errors/"
}

variable "product_area" {
  description = "The product_area tag of every resource the kit creates."
  type        = string
  default     = "platform"
}
