# Automated QA scoring (docs/scoring.md): the score-transcript workflow's own retry policy.

variable "scoring_retry_attempts" {
  description = "How many times the score-transcript workflow calls its data action before giving up."
  type        = number
  default     = 3

  validation {
    condition     = var.scoring_retry_attempts >= 1 && var.scoring_retry_attempts <= 5 && floor(var.scoring_retry_attempts) == var.scoring_retry_attempts
    error_message = "scoring_retry_attempts must be a whole number from 1 to 5."
  }
}

variable "scoring_retry_wait_seconds" {
  description = "Seconds the score-transcript workflow waits between attempts."
  type        = number
  default     = 30

  validation {
    condition     = var.scoring_retry_wait_seconds >= 1 && var.scoring_retry_wait_seconds <= 300
    error_message = "scoring_retry_wait_seconds must be between 1 and 300."
  }
}

variable "scoring_trigger_enabled" {
  description = "Start the score-transcript workflow when an agent finishes after-call work (needs QM_LLM_* configured on the service)."
  type        = bool
  default     = false
}

variable "scoring_trigger_delay_seconds" {
  description = "Seconds Genesys holds the after-call-work event before starting the workflow, so the transcript is complete (diarization keeps appending for up to 90 s after disconnect)."
  type        = number
  default     = 120

  validation {
    condition     = var.scoring_trigger_delay_seconds >= 60 && var.scoring_trigger_delay_seconds <= 900
    error_message = "scoring_trigger_delay_seconds must be between 60 and 900 (the trigger's delay_by_seconds range)."
  }
}

# An agent finished after-call work on a queue interaction: queue it for automated scoring.
# Internal calls have no queue, so the queueId match leaves them out.
resource "genesyscloud_processautomation_trigger" "interaction_finished" {
  count      = var.scoring_trigger_enabled ? 1 : 0
  name       = "${var.name_prefix} interaction finished (automated QA)"
  topic_name = "v2.detail.events.conversation.{id}.acw"
  enabled    = true

  target {
    id   = genesyscloud_flow.workflow["score-transcript"].id
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

  delay_by_seconds = var.scoring_trigger_delay_seconds
}
