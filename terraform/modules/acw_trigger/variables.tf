variable "name" {
  description = "Trigger name shown in Genesys Cloud (Admin > Process Automation > Triggers)."
  type        = string

  validation {
    condition     = length(trimspace(var.name)) > 0
    error_message = "name must not be empty."
  }
}

variable "flow_id" {
  description = "Id of the workflow (Architect flow) the trigger starts."
  type        = string

  validation {
    condition     = length(trimspace(var.flow_id)) > 0
    error_message = "flow_id must not be empty."
  }
}

variable "enabled" {
  description = "Create the trigger. False creates nothing (and destroys a trigger created before)."
  type        = bool
  default     = false
}

variable "delay_seconds" {
  description = "Seconds Genesys holds the after-call-work event before starting the workflow."
  type        = number

  validation {
    condition     = var.delay_seconds >= 60 && var.delay_seconds <= 900
    error_message = "delay_seconds must be between 60 and 900 (the trigger's delay_by_seconds range)."
  }
}
