resource "genesyscloud_integration_credential" "qmloop" {
  name                 = "${var.integration_name} credential"
  credential_type_name = var.credential_type
  fields               = local.credential_fields
}

resource "genesyscloud_integration" "qmloop" {
  integration_type = "custom-rest-actions"
  intended_state   = "ENABLED"

  config {
    name = var.integration_name
    # The provider names the credential slot basicAuth for every credential type.
    credentials = {
      basicAuth = genesyscloud_integration_credential.qmloop.id
    }
  }
}

# Genesys creates this action itself for User Defined (OAuth); we only configure it.
resource "genesyscloud_integration_custom_auth_action" "qmloop" {
  count          = var.credential_type == "userDefinedOAuth" ? 1 : 0
  integration_id = genesyscloud_integration.qmloop.id
  name           = local.custom_auth.name

  config_request {
    request_url_template = replace(local.custom_auth.config.request.requestUrlTemplate, local.base_url_token, var.service_base_url)
    request_type         = local.custom_auth.config.request.requestType
    request_template     = local.custom_auth.config.request.requestTemplate
    headers              = local.custom_auth.config.request.headers
  }

  config_response {
    translation_map          = local.custom_auth.config.response.translationMap
    translation_map_defaults = local.custom_auth.config.response.translationMapDefaults
    success_template         = local.custom_auth.config.response.successTemplate
  }
}
