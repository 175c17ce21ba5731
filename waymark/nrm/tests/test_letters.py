"""Decision letters from templates: every merge field filled or the letter refuses, naming the
field; service recorded on the decision and the person's timeline."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from waymark.documents.models import Document, LetterService
from waymark.nrm import models as m
from waymark.nrm import services as s
from waymark.nrm.services import letters
from waymark.nrm.tests._decision_helpers import draft, referral_make, served
from waymark.people.models import TimelineEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "guidance_edition")]


@pytest.fixture
def referral(person, form_version, authority_team):
    return referral_make(person=person, form_version=form_version, team=authority_team)


def test_rg_letter_rendered_and_served(referral, decision_maker):
    decision = draft(referral, decision_maker)
    s.decision_sign_off(actor=decision_maker, decision=decision)
    letter = s.decision_letter_generate(actor=decision_maker, decision=decision)
    with letter.file.open("rb") as fh:
        html = fh.read().decode()
    assert "reasonable grounds to believe" in html and "Amira HADDAD" in html
    s.decision_serve(actor=decision_maker, decision=decision, method="hand", letter=letter)
    decision.refresh_from_db()
    assert decision.letter_document_id == letter.pk
    assert LetterService.objects.get(document=letter).method == "hand"
    assert TimelineEvent.objects.filter(person=referral.person, event_type="letter.served")
    assert TimelineEvent.objects.filter(person=referral.person, event_type="nrm.decision_served")


def test_letter_with_an_empty_field_refused_naming_it(referral, decision_maker, monkeypatch):
    decision = draft(referral, decision_maker)
    real = letters.decision_letter_context

    def without_rationale(d):
        values = real(d)
        values["rationale"] = "  "
        return values

    monkeypatch.setattr(letters, "decision_letter_context", without_rationale)
    before = Document.objects.count()
    with pytest.raises(ValidationError, match=r"extra\.rationale"):
        s.decision_letter_generate(actor=decision_maker, decision=decision)
    assert Document.objects.count() == before


def test_missing_fields_names_each_missing_or_empty_field():
    body = "{{ person.full_name }} {{ extra.a }} {{ extra.b }} {{ letter.date }}"
    context = {"person": {"full_name": "A"}, "extra": {"a": ""}, "letter": {"date": "1 May"}}
    assert letters.missing_fields(body, context) == ["extra.a", "extra.b"]


def test_minded_to_and_reconsideration_letters(
    referral,
    decision_maker,
    second_decision_maker,
    specialist,
    person,
    form_version,
    authority_team,
):
    served(referral, decision_maker)
    item = s.disqualification_notice_send(
        actor=decision_maker,
        referral=referral,
        grounds="Serious offence",
        consequences_stated="No support",
    )
    assert s.minded_to_letter_generate(actor=decision_maker, disqualification=item).pk
    other = referral_make(person=person, form_version=form_version, team=authority_team)
    negative = served(other, decision_maker, specialist, outcome="negative")
    recon = s.reconsideration_request(
        actor=decision_maker,
        decision=negative,
        requester_type="first_responder",
        requester_name="DET Heathrow",
        grounds="New evidence",
    )
    with pytest.raises(ValidationError, match="not been decided"):
        s.reconsideration_letter_generate(actor=decision_maker, reconsideration=recon)
    s.reconsideration_decide(
        actor=second_decision_maker, reconsideration=recon, upheld=True, reasons="Stands"
    )
    assert s.reconsideration_letter_generate(actor=second_decision_maker, reconsideration=recon)
    assert m.Decision.objects.count() == 2
