"""Calibration as a program: schedules, calibrator rotation, calibration of calibrators.

``rules`` (pure: cadence, rotation, calibrators against leadership), ``models``, ``schemas``,
``service`` (use cases, the scheduler tick), ``views`` (routes on the calibration blueprint),
``jobs`` (the periodic tick, declared as data) and ``cli`` (``qmloop calibration programs``).
"""
