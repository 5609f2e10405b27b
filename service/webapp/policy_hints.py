"""One line of help per policy key on the console's edit form: what it means and its unit.
From ``policies.example.yaml``, docs/coaching.md and docs/sentiment.md."""

from __future__ import annotations

COACHING = {
    "name": "A name for people; does not change behaviour.",
    "threshold": "Coach when the evaluation's weighted percentage is strictly below this (0–100).",
    "weekly_cap": "Automated assignments per agent per rolling 7 days (0 = no cap).",
    "max_open": "Open assignments an agent may carry at once (0 = no limit).",
    "due_business_days": "Due date = evaluation date + this many business days (0–60).",
    "holidays": "Days skipped when counting business days, as YYYY-MM-DD, comma-separated.",
    "target": "Where assignments go.",
    "default_module_id": "The coaching module of a section without its own entry.",
    "sections": "Section (question group) name or id → module id, or {module_id, target}.",
    "target_options": "workitem_type_id, workitem_priority, appointment_minutes (15–60), "
    "facilitator_id, add_to_schedule.",
}
SENTIMENT = {
    "name": "A name for people; does not change behaviour.",
    "enabled": "false: this queue's interactions are skipped.",
    "customer_below": "An interaction qualifies when customer sentiment is below this (−1 to 1).",
    "agent_below": "… and the agent's sentiment is below this (−1 to 1).",
    "kudos_above": "Customer sentiment above this thanks the agent (−1 to 1).",
    "run_length": "Consecutive qualifying interactions that make a pattern (1–50).",
    "window_days": "Days the pattern's interactions may span (1–90).",
    "weekly_cap": "Automated sentiment sessions per agent per rolling 7 days (0 = no cap).",
    "min_phrases": "Fewer phrases than this on a side makes that side unknown.",
    "appointment_minutes": "Length of the booked session: 15, 30, 45 or 60.",
    "horizon_business_days": "Business days ahead to look for a slot (1–30).",
    "service_level_target": "Skip slots whose forecast service level is below this (0–1).",
    "fallback_target": "Where the assignment goes when no slot is found.",
    "coach_pool": "Facilitators for agents without a manager (user ids, comma-separated).",
    "calendar_unreachable": "retry, or book_flagged when the calendar cannot be read.",
}
HINTS = {"coaching": COACHING, "sentiment": SENTIMENT}
