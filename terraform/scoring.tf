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
