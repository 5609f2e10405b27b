# An agent finished after-call work on a queue interaction: start a workflow, a little later.
# Internal calls have no queue, so the queueId match leaves them out.
resource "genesyscloud_processautomation_trigger" "this" {
  count      = var.enabled ? 1 : 0
  name       = var.name
  topic_name = "v2.detail.events.conversation.{id}.acw"
  enabled    = true

  target {
    id   = var.flow_id
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

  delay_by_seconds = var.delay_seconds
}
