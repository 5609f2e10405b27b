"""Names on pages, never raw ids: forms and questions through the Genesys client's form cache,
with the id itself when Genesys cannot say (the insights pages list several forms)."""

from __future__ import annotations

import pytest

from service.webapp import names
from tests.fixtures_genesys import point_at_fake


@pytest.fixture
def settings(settings, fake):
    return point_at_fake(settings, fake, genesys_max_retries=0)


def _a_question(fake) -> tuple[str, str, str, str]:
    for form in fake.org.forms.values():
        for group in form["questionGroups"]:
            for q in group["questions"]:
                if q.get("text"):
                    return form["id"], form["name"], q["id"], q["text"]
    raise AssertionError("the sample org has no question text")


def test_form_and_question_names_come_from_the_published_form(app, fake):
    form_id, form_name, question_id, text = _a_question(fake)
    with app.test_request_context("/app/console/trust"):
        assert names.form(form_id, form_id) == form_name
        assert names.question(form_id, question_id) == text


@pytest.mark.parametrize(
    ("form_id", "question_id"), [("form-unknown", "q-1"), ("", ""), ("form-unknown", "")]
)
def test_unknown_forms_and_questions_fall_back_to_their_ids(app, fake, form_id, question_id):
    with app.test_request_context("/app/console/trust"):
        assert names.form(form_id, form_id) == form_id
        assert names.question(form_id, question_id) == question_id


def test_an_unknown_question_of_a_known_form_is_its_id(app, fake):
    form_id, _, _, _ = _a_question(fake)
    with app.test_request_context("/app/console/trust"):
        assert names.question(form_id, "q-not-there") == "q-not-there"
