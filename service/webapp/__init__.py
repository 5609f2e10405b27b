"""The web app for people (``/app/``): sign-in, server-side sessions, agent, supervisor and
panelist pages over the workspace, calibration and scoring domains (docs/webapp.md)."""
