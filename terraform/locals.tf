locals {
  data_actions_dir = "${path.module}/../data_actions"
  architect_dir    = "${path.module}/../architect"

  # One action per data_actions/<slug>.json; the file is the only copy of the contract.
  actions = {
    for f in fileset(local.data_actions_dir, "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${local.data_actions_dir}/${f}"))
  }
  custom_auth = jsondecode(file("${local.data_actions_dir}/custom-auth/oauth-token.json"))

  # Replaced by var.service_base_url in every URL template.
  base_url_token = "{{qmloop_base_url}}"

  # With User Defined (OAuth), every action sends the token the custom-auth action fetched.
  # Velocity's ${...} is written $${...} in HCL. service/kit/emulator.py adds the same header.
  auth_headers = var.credential_type == "userDefinedOAuth" ? {
    Authorization = "Bearer $${authResponse.access_token}"
  } : {}

  credential_fields = var.credential_type == "basicAuth" ? {
    userName = var.qmloop_client_id
    password = var.qmloop_client_secret
    } : {
    clientId     = var.qmloop_client_id
    clientSecret = var.qmloop_client_secret
  }

  # Every workflow in architect/, the actions it calls (their ids go into its
  # update_trigger_hash) and the {{placeholders}} it needs; nothing else fills them.
  flows = {
    "triage-evaluation" = {
      file    = "triage-evaluation.yaml"
      actions = ["triage-evaluation"]
      substitutions = {
        flow_name            = "${var.name_prefix} Triage Evaluation"
        division             = var.division
        data_action_category = var.integration_name
        triage_action_name   = genesyscloud_integration_action.action["triage-evaluation"].name
        retry_attempts       = tostring(var.retry_attempts)
        retry_wait_seconds   = tostring(var.retry_wait_seconds)
      }
    }
    "score-transcript" = {
      file    = "score-transcript.yaml"
      actions = ["score-transcript"]
      substitutions = {
        flow_name            = "${var.name_prefix} Score Transcript"
        division             = var.division
        data_action_category = var.integration_name
        score_action_name    = genesyscloud_integration_action.action["score-transcript"].name
        retry_attempts       = tostring(var.scoring_retry_attempts)
        retry_wait_seconds   = tostring(var.scoring_retry_wait_seconds)
      }
    }
    "evaluate-sentiment" = {
      file = "evaluate-sentiment.yaml"
      substitutions = {
        flow_name             = "${var.name_prefix} Evaluate Sentiment"
        division              = var.division
        data_action_category  = var.integration_name
        sentiment_action_name = genesyscloud_integration_action.action["evaluate-sentiment"].name
        retry_attempts        = tostring(var.sentiment_retry_attempts)
        retry_wait_seconds    = tostring(var.sentiment_retry_wait_seconds)
      }
    }
    "coach-step-by-step" = {
      file    = "coach-step-by-step.yaml"
      actions = ["normalize-score", "weakest-section", "check-duplicate", "assign-coaching"]
      substitutions = {
        flow_name                   = "${var.name_prefix} Coach Step by Step"
        division                    = var.division
        data_action_category        = var.integration_name
        normalize_score_action_name = genesyscloud_integration_action.action["normalize-score"].name
        weakest_section_action_name = genesyscloud_integration_action.action["weakest-section"].name
        check_duplicate_action_name = genesyscloud_integration_action.action["check-duplicate"].name
        assign_coaching_action_name = genesyscloud_integration_action.action["assign-coaching"].name
      }
    }
  }
}
