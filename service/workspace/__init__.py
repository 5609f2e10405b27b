"""Coaching sessions: the agent's workspace (seed 004) and what supervisors put in it.

Automated coaching assignments (``service.coaching``) appear here as one session each through a
projection: ``service.sync_from_assignments`` inserts the missing session of every assignment of
the agents a page shows (idempotent: ``assignment_id`` is unique) and carries over a closed
assignment's status. The coaching pipeline stays unaware of the workspace.
"""
