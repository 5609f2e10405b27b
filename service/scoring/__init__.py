"""Automated QA scoring: scorecards, prompts, evidence, the LLM judge and write-back."""
