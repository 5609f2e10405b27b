# Templates come from the JSON files through file(), so Terraform never interpolates them:
# their Velocity ${...} reaches Genesys unchanged.
resource "genesyscloud_integration_action" "action" {
  for_each = local.actions

  name                   = each.value.name
  category               = var.integration_name
  integration_id         = genesyscloud_integration.qmloop.id
  secure                 = each.value.secure
  config_timeout_seconds = lookup(each.value.config, "timeoutSeconds", null)

  contract_input  = jsonencode(each.value.contract.input.inputSchema)
  contract_output = jsonencode(each.value.contract.output.successSchema)

  config_request {
    request_url_template = replace(each.value.config.request.requestUrlTemplate, local.base_url_token, var.service_base_url)
    request_type         = each.value.config.request.requestType
    request_template     = each.value.config.request.requestTemplate
    headers              = merge(each.value.config.request.headers, local.auth_headers)
  }

  config_response {
    translation_map          = each.value.config.response.translationMap
    translation_map_defaults = each.value.config.response.translationMapDefaults
    success_template         = each.value.config.response.successTemplate
  }

  # The custom-auth action must be configured before an action can fetch a token.
  depends_on = [genesyscloud_integration_custom_auth_action.qmloop]
}
