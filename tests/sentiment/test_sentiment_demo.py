"""The scripted sentiment week runs and shows every outcome the issue asks for."""

from __future__ import annotations

from service.sentiment.demo import run_demo


def test_demo_shows_coached_capped_kudos_slots_and_the_customer_only_agent() -> None:
    text = "\n".join(run_demo())
    for expected in (
        "-> coach   pattern_of_negative_sentiment",
        "-> capped  sentiment_weekly_cap_reached",
        "-> kudos   highly_positive_customer",
        "-> none    kudos_daily_limit",
        "Genesys suggestion: Good",
        "computed from WFM: lowest predicted occupancy",
        "calm agent -> coach",
    ):
        assert expected in text, expected
