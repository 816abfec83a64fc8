variable "name" {
  description = "Name prefix of the rules and the role."
  type        = string
}

variable "event_bus_arn" {
  description = "ARN of the collector's event bus."
  type        = string
}

variable "tags" {
  description = "Tags of every taggable resource (include product_area)."
  type        = map(string)
  default     = {}
}
