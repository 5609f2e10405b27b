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
  description = "Seconds Genesys holds the after-call-work event before starting the workflow, so the transcript is complete (diarization keeps appending for up to 90 s after disconnect): 60 to 900 (validated in modules/acw_trigger)."
  type        = number
  default     = 120
}

# An agent finished after-call work on a queue interaction: start score-transcript (modules/acw_trigger).
module "scoring_trigger" {
  source        = "./modules/acw_trigger"
  name          = "${var.name_prefix} interaction finished (automated QA)"
  flow_id       = genesyscloud_flow.workflow["score-transcript"].id
  enabled       = var.scoring_trigger_enabled
  delay_seconds = var.scoring_trigger_delay_seconds
}

# The trigger was a root resource before the module; moving it keeps the existing trigger.
moved {
  from = genesyscloud_processautomation_trigger.interaction_finished
  to   = module.scoring_trigger.genesyscloud_processautomation_trigger.this
}
