variable "service_base_url" {
  description = "Public HTTPS base URL of the QM Loop service, without a trailing slash (for example https://qmloop.example.com). Every action URL is built from it."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#\\s]+(/[^?#\\s]*[^/?#\\s])?$", var.service_base_url))
    error_message = "service_base_url must be an https:// URL without a trailing slash, query or fragment."
  }
}

variable "credential_type" {
  description = "How Genesys authenticates to QM Loop: basicAuth (client id and secret on every call) or userDefinedOAuth (a token from QM Loop's /oauth/token, fetched by the custom-auth action)."
  type        = string
  default     = "userDefinedOAuth"

  validation {
    condition     = contains(["basicAuth", "userDefinedOAuth"], var.credential_type)
    error_message = "credential_type must be basicAuth or userDefinedOAuth."
  }
}

variable "qmloop_client_id" {
  description = "QM Loop's QM_CLIENT_ID: the client id the integration presents."
  type        = string

  validation {
    condition     = length(trimspace(var.qmloop_client_id)) > 0 && !strcontains(var.qmloop_client_id, ":")
    error_message = "qmloop_client_id must be non-empty and must not contain a colon (Basic Auth separator)."
  }
}

variable "qmloop_client_secret" {
  description = "QM Loop's QM_CLIENT_SECRET. Pass it as TF_VAR_qmloop_client_secret; never write it into a tfvars file."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.qmloop_client_secret) >= 16
    error_message = "qmloop_client_secret must be at least 16 characters."
  }
}

variable "integration_name" {
  description = "Name of the Web Services Data Actions integration; also the data action category Architect shows."
  type        = string
  default     = "QM Loop"

  validation {
    condition     = length(var.integration_name) >= 1 && length(var.integration_name) <= 100
    error_message = "integration_name must be 1 to 100 characters."
  }
}

variable "name_prefix" {
  description = "Prefix of the workflow and trigger names. Renaming a workflow creates a new one in Genesys."
  type        = string
  default     = "QM Loop"

  validation {
    condition     = length(var.name_prefix) >= 1 && length(var.name_prefix) <= 60
    error_message = "name_prefix must be 1 to 60 characters."
  }
}

variable "division" {
  description = "Division the workflows are created in."
  type        = string
  default     = "Home"

  validation {
    condition     = length(trimspace(var.division)) > 0
    error_message = "division must not be empty."
  }
}

variable "trigger_enabled" {
  description = "Whether the v2.quality.evaluations trigger starts workflows. Set false to pause the loop without destroying anything."
  type        = bool
  default     = true
}

variable "trigger_workflow" {
  description = "Which workflow the trigger starts: triage-evaluation (one call does everything) or coach-step-by-step (one call per step)."
  type        = string
  default     = "triage-evaluation"

  validation {
    condition     = contains(["triage-evaluation", "coach-step-by-step"], var.trigger_workflow)
    error_message = "trigger_workflow must be triage-evaluation or coach-step-by-step."
  }
}

variable "trigger_event_ttl_seconds" {
  description = "Events older than this many seconds when the trigger fires are dropped (Genesys minimum 10)."
  type        = number
  default     = 300

  validation {
    condition     = var.trigger_event_ttl_seconds >= 10 && var.trigger_event_ttl_seconds <= 86400
    error_message = "trigger_event_ttl_seconds must be between 10 and 86400."
  }
}

variable "retry_attempts" {
  description = "How many times a workflow calls a data action before giving up on failures and timeouts."
  type        = number
  default     = 3

  validation {
    condition     = var.retry_attempts >= 1 && var.retry_attempts <= 5 && floor(var.retry_attempts) == var.retry_attempts
    error_message = "retry_attempts must be a whole number from 1 to 5."
  }
}

variable "retry_wait_seconds" {
  description = "Seconds a workflow waits between attempts."
  type        = number
  default     = 30

  validation {
    condition     = var.retry_wait_seconds >= 5 && var.retry_wait_seconds <= 600 && floor(var.retry_wait_seconds) == var.retry_wait_seconds
    error_message = "retry_wait_seconds must be a whole number from 5 to 600."
  }
}
