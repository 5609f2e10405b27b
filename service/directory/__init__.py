"""Who lives in which Genesys division: a copy of the org's user directory (user id ->
division), kept in sync from ``GET /api/v2/users``; the division rule reads it
(``service/auth/divisions.py``, docs/governance.md)."""
