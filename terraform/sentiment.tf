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
  description = "Seconds Genesys holds the after-call-work event before starting the workflow, so speech analytics has scored the interaction."
  type        = number
  default     = 300

  validation {
    condition     = var.sentiment_trigger_delay_seconds >= 60 && var.sentiment_trigger_delay_seconds <= 900
    error_message = "sentiment_trigger_delay_seconds must be between 60 and 900 (the trigger's delay_by_seconds range)."
  }
}

# An agent finished after-call work on a queue interaction: judge its sentiment.
resource "genesyscloud_processautomation_trigger" "sentiment_interaction_finished" {
  count      = var.sentiment_trigger_enabled ? 1 : 0
  name       = "${var.name_prefix} interaction finished (sentiment)"
  topic_name = "v2.detail.events.conversation.{id}.acw"
  enabled    = true

  target {
    id   = genesyscloud_flow.workflow["evaluate-sentiment"].id
    type = "Workflow"
    workflow_target_settings {
      data_format = "Json"
    }
  }

  match_criteria = jsonencode([
    {
      jsonPath = "queueId"
      operator = "Exists"
    }
  ])

  delay_by_seconds = var.sentiment_trigger_delay_seconds
}
