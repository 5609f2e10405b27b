"""Policy storage shared by coaching (per form) and sentiment (per queue) policies.

``rules`` (pure: YAML documents in and out, the line diff of two documents), ``models`` (the
``policy_revisions`` history), ``service`` (the generic store: put, delete, load and export, each
change written to the history in the same transaction, whatever the path: REST, CLI or web).
"""
