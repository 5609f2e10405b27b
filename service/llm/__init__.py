"""An OpenAI-compatible chat client with structured output, budgets and explicit failures."""
