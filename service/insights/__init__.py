"""Insights: whether coaching works (effectiveness) and whether automated scoring can be trusted."""
