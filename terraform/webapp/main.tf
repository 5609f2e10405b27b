# Optional: QM Loop's web app inside Genesys Cloud (docs/deploy.md, "The web app inside Genesys
# Cloud"). A separate root module: apply it after the main kit, from this folder.

terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = "~> 1.84"
    }
  }
}

# Credentials and region: GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION.
provider "genesyscloud" {}

variable "service_base_url" {
  description = "Public HTTPS base URL of QM Loop, without a trailing slash (https://qmloop.example.com)."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#\\s]+(/[^?#\\s]*[^/?#\\s])?$", var.service_base_url))
    error_message = "service_base_url must be an https:// URL without a trailing slash, query or fragment."
  }
}

variable "app_name" {
  description = "The name people see in Genesys Cloud's Apps menu."
  type        = string
  default     = "QM Loop"
}

variable "group_ids" {
  description = "Genesys group ids that see the app (empty: everyone in the org)."
  type        = list(string)
  default     = []
}

# The OAuth client people sign in through (authorization code grant; QM Loop adds PKCE).
resource "genesyscloud_oauth_client" "qmloop_web" {
  name                          = "${var.app_name} web sign-in"
  description                   = "Sign-in to the QM Loop web app (authorization code + PKCE)."
  authorized_grant_type         = "CODE"
  registered_redirect_uris      = ["${var.service_base_url}/app/auth/callback"]
  scopes                        = ["users:readonly", "authorization:readonly"]
  access_token_validity_seconds = 28800
  expose_client_secret          = true
}

# The app in Genesys Cloud's Apps menu, shown in an iframe (QM Loop allows the region's apps
# host in frame-ancestors and, with QM_WEB_EMBEDDED=true, sets SameSite=None; Secure cookies).
resource "genesyscloud_integration" "qmloop_web" {
  integration_type = "embedded-client-app"
  intended_state   = "ENABLED"

  config {
    name = var.app_name
    properties = jsonencode(merge(
      {
        url         = "${var.service_base_url}/app/login"
        displayType = "standalone"
        sandbox     = "allow-scripts,allow-same-origin,allow-forms,allow-modals,allow-popups,allow-top-navigation-by-user-activation"
      },
      length(var.group_ids) > 0 ? { groups = join(",", var.group_ids) } : {}
    ))
  }
}

output "web_client_id" {
  description = "Set as QM_WEB_GENESYS_CLIENT_ID."
  value       = genesyscloud_oauth_client.qmloop_web.client_id
}

output "web_client_secret" {
  description = "Set as QM_WEB_GENESYS_CLIENT_SECRET (terraform output -raw web_client_secret)."
  value       = genesyscloud_oauth_client.qmloop_web.client_secret
  sensitive   = true
}
