"""Accept and dispute (seed 004 "Review"; issue 14 item 3): agents accept or dispute released
evaluations per question, supervisors answer each disputed question, changed answers go back to
Genesys as a new evaluation version and coaching re-triages it.

States and caps: ``rules.py`` (Pending Agent Review -> accept -> Resolved; -> dispute -> Pending
Supervisor Review -> all questions answered -> Pending Agent Review, or Closed at the round cap
(``QM_DISPUTE_MAX_ROUNDS``, default 5) or past the window (``QM_DISPUTE_WINDOW_DAYS``, default 45
days after release)). The JSON API is ``views.py`` under ``/api/v1/reviews``.

Service functions for pages (all take a SQLAlchemy ``session`` first and keyword arguments; they
flush, the caller commits; ``principal`` is ``service.auth.rules.Principal``; ``team`` is an
optional collection of agent user ids a supervisor manages, e.g. their cached Genesys direct
reports, added to the agents whose Genesys manager they are; ``now`` defaults to the clock):

``service.list_reviews(session, *, principal, settings, tab="pending", agent_id="", team=None,
now=None) -> list[schemas.ReviewRow]``
    One review tab: ``pending`` (Pending Agent / Supervisor Review), ``disputes`` (one or more
    dispute rounds, any state), ``resolved`` (Resolved or Closed). Row fields = the seed's
    columns: ``date`` (interaction), ``queueName``, ``supervisorAuditScore`` (%),
    ``reviewStatus`` (label), ``disputeRounds`` (answered rounds), plus ``evaluationId``,
    ``status`` (code), ``outcome``, ``formName``, ``finishedAt``. Agents: own rows only;
    supervisors: their team; admins: all (``agent_id`` filters). ``InvalidInput`` unknown tab.
``service.dispute_queue(session, *, principal, settings, team=None, now=None) -> list[ReviewRow]``
    The supervisor's queue: their team's reviews Pending Supervisor Review, oldest first.
``service.waiting_counts(session, *, principal, team=None) -> dict[str, int]``
    The same reviews counted per agent id (the team page's "Disputes waiting").
``service.get_review(session, *, evaluation_id, principal, settings, team=None, now=None)
-> schemas.ReviewOut``
    One review: the row fields plus ``questions`` (each with ``answerId``, ``answerText``,
    ``options``), ``rounds`` (items: question, reason, decision ``upheld``/``changed``, new answer,
    comment), ``maxRounds``, ``disputeDeadline``, ``writebackState`` and the caller's
    ``canAccept`` / ``canDispute`` / ``canAnswer``. ``NotFound`` when not visible to the caller.
``service.accept(session, *, evaluation_id, principal, settings, now=None) -> ReviewOut``
    The agent acknowledges: Resolved (outcome ``accepted``). ``NotFound`` for anyone but the
    evaluation's agent; ``Conflict`` ``not_pending_agent_review`` / ``window_closed``.
``service.dispute(session, *, evaluation_id, principal, settings, questions, now=None)
-> ReviewOut``
    ``questions``: list of ``schemas.DisputedQuestionIn(questionId, reason)``; opens one round:
    Pending Supervisor Review. ``InvalidInput`` unknown/repeated question; ``Conflict``
    ``not_pending_agent_review``, ``round_cap_reached``, ``window_closed``.
``service.answer(session, *, evaluation_id, principal, settings, answers, team=None, now=None)
-> ReviewOut``
    ``answers``: list of ``schemas.AnswerItemIn(questionId, decision "uphold"|"change", answerId,
    comment)``; some or all questions of the open round. The round ends when all are answered
    (write-back job queued for changes; back to the agent or Closed). Supervisors of the agent
    and admins only (``NotFound`` otherwise); ``Conflict`` ``already_answered``,
    ``not_pending_supervisor_review``; ``InvalidInput`` (``answer_not_an_option``,
    ``answer_unchanged``, ``question_not_disputed``).
``service.coaching_review_status(session, *, evaluation_ids) -> str``
    A coaching session's / assignment's review status from its linked evaluations:
    ``"Pending Agent Review"``, ``"Pending Supervisor Review"`` or ``""`` (keep its own status).
``service.review_statuses(session, *, evaluation_ids) -> dict[str, str]``
    {evaluation id: status code} in bulk (for lists), codes in ``rules.STATUSES``.
``sync.open_from_genesys(session, *, genesys, conversation_id, evaluation_id) -> models.Review``
    Open (or return) the review of a released evaluation, fetched from Genesys.
``sync.take_event(session, *, settings, event) -> str``
    Called by the coaching event intake for every ``v2.quality.evaluations`` event.
"""
