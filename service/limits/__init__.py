"""Upstream limits shared by every process: Retry-After, request budgets, the access token."""
