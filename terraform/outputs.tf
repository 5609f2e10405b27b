output "integration_id" {
  description = "Id of the Web Services Data Actions integration."
  value       = genesyscloud_integration.qmloop.id
}

output "data_action_ids" {
  description = "Data action id by slug."
  value       = { for slug, a in genesyscloud_integration_action.action : slug => a.id }
}

output "workflow_ids" {
  description = "Architect workflow id by name."
  value       = { for key, f in genesyscloud_flow.workflow : key => f.id }
}

output "trigger_id" {
  description = "Id of the v2.quality.evaluations trigger."
  value       = genesyscloud_processautomation_trigger.evaluation_finished.id
}

output "custom_auth_action_id" {
  description = "Id of the custom-auth action (User Defined OAuth only)."
  value       = one(genesyscloud_integration_custom_auth_action.qmloop[*].id)
}
