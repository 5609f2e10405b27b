resource "genesyscloud_flow" "workflow" {
  for_each = local.flows

  filepath      = "${local.architect_dir}/${each.value.file}"
  substitutions = each.value.substitutions

  # A contract change re-creates an action under a new id, and a published workflow keeps
  # calling the old one. The hash covers the file and the ids of the actions the workflow
  # calls, so a new id republishes it (update_trigger_hash replaces the provider's own
  # file-content hash, hence the file's sha256 here).
  update_trigger_hash = sha256(join("\n", concat(
    [filesha256("${local.architect_dir}/${each.value.file}")],
    [for slug in each.value.actions : genesyscloud_integration_action.action[slug].id],
  )))

  # A workflow cannot be published before the actions it calls exist.
  depends_on = [genesyscloud_integration_action.action]
}
