"""Inter-rater reliability: pure statistics with no Flask, database or network.

``ratings`` (the rating data types), ``fdist`` (F and t quantiles), ``stats`` (ICC and
Krippendorff's alpha), ``agreement`` (the ``unit,rater,score`` CSV report) and ``trends``
(evaluator bias, calibrator drift, recurring criteria, AI agreement over time). The calibration
domain (``service.calibration``) imports these; nothing here imports calibration.
"""
