output "id" {
  description = "Id of the trigger, or null when it is not enabled."
  value       = one(genesyscloud_processautomation_trigger.this[*].id)
}
