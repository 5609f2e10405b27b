# Sentiment-driven coaching (docs/sentiment.md): the evaluate-sentiment workflow and its trigger.

variable "sentiment_retry_attempts" {
  description = "How many times the evaluate-sentiment workflow calls its data action before giving up."
  type        = number
  default     = 3

  validation {
    condition     = var.sentiment_retry_attempts >= 1 && var.sentiment_retry_attempts <= 5 && floor(var.sentiment_retry_attempts) == var.sentiment_retry_attempts
    error_message = "sentiment_retry_attempts must be a whole number from 1 to 5."
  }
}

variable "sentiment_retry_wait_seconds" {
  description = "Seconds the evaluate-sentiment workflow waits between attempts."
  type        = number
  default     = 30

  validation {
    condition     = var.sentiment_retry_wait_seconds >= 1 && var.sentiment_retry_wait_seconds <= 300
    error_message = "sentiment_retry_wait_seconds must be between 1 and 300."
  }
}

variable "sentiment_trigger_enabled" {
  description = "Start the evaluate-sentiment workflow when an agent finishes after-call work."
  type        = bool
  default     = false
}

variable "sentiment_trigger_delay_seconds" {
  description = "Seconds Genesys holds the after-call-work event before starting the workflow, so speech analytics has scored the interaction: 60 to 900 (validated in modules/acw_trigger)."
  type        = number
  default     = 300
}

# An agent finished after-call work on a queue interaction: start evaluate-sentiment (modules/acw_trigger).
module "sentiment_trigger" {
  source        = "./modules/acw_trigger"
  name          = "${var.name_prefix} interaction finished (sentiment)"
  flow_id       = genesyscloud_flow.workflow["evaluate-sentiment"].id
  enabled       = var.sentiment_trigger_enabled
  delay_seconds = var.sentiment_trigger_delay_seconds
}

# The trigger was a root resource before the module; moving it keeps the existing trigger.
moved {
  from = genesyscloud_processautomation_trigger.sentiment_interaction_finished
  to   = module.sentiment_trigger.genesyscloud_processautomation_trigger.this
}
