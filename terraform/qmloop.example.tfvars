# Copy to terraform.tfvars (git-ignored) and edit; or pass it with -var-file. Never put the secret here:
#   export TF_VAR_qmloop_client_secret='...'   (the service's QM_CLIENT_SECRET)
service_base_url          = "https://qmloop.example.com"
credential_type           = "userDefinedOAuth"
qmloop_client_id          = "genesys-integration"
integration_name          = "QM Loop"
name_prefix               = "QM Loop"
division                  = "Home"
trigger_enabled           = true
trigger_workflow          = "triage-evaluation"
trigger_event_ttl_seconds = 300
retry_attempts            = 3
retry_wait_seconds        = 30
