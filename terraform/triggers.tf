resource "genesyscloud_processautomation_trigger" "evaluation_finished" {
  name       = "${var.name_prefix} evaluation finished"
  topic_name = "v2.quality.evaluations"
  enabled    = var.trigger_enabled

  target {
    id   = genesyscloud_flow.workflow[var.trigger_workflow].id
    type = "Workflow"
    workflow_target_settings {
      # Json hands the whole event to Flow.jsonData (agent.id and scoringSet are nested).
      data_format = "Json"
    }
  }

  # The topic spells statuses in PascalCase; only finished evaluations start a workflow.
  match_criteria = jsonencode([
    {
      jsonPath = "status"
      operator = "Equal"
      value    = "Finished"
    }
  ])

  event_ttl_seconds = var.trigger_event_ttl_seconds
}
