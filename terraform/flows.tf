resource "genesyscloud_flow" "workflow" {
  for_each = local.flows

  filepath      = "${local.architect_dir}/${each.value.file}"
  substitutions = each.value.substitutions

  # A workflow cannot be published before the actions it calls exist.
  depends_on = [genesyscloud_integration_action.action]
}
