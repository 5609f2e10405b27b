terraform {
  required_version = ">= 1.5"

  # A module names its providers' sources itself; without this Terraform would look for
  # hashicorp/genesyscloud.
  required_providers {
    genesyscloud = {
      source = "mypurecloud/genesyscloud"
    }
  }
}
