"""The figures: one definition each, small numbers about victims suppressed, the data-quality
rules, the period filter and the audited CSV export."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from waymark.core.clock import LONDON
from waymark.core.models import AuditEvent
from waymark.nrm.models import Referral
from waymark.nrm.selectors import figures as fig
from waymark.nrm.tests.quality_factories import check_make, decision_make, referral_make

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("waymark.nrm.tests.stub_urls"),
    pytest.mark.usefixtures("frozen"),
]

Q3 = (date(2026, 7, 1), date(2026, 9, 30))
AT = datetime(2026, 8, 3, 10, 0, tzinfo=LONDON)


@pytest.fixture
def quarter(person, form_version, guidance_edition, decision_maker, authority_team):
    """12 police referrals and 3 from an NGO in Q3; RG served on all 15, 12 positive."""
    made = []
    for i in range(15):
        referral = referral_make(
            person,
            form_version,
            received_at=AT + timedelta(hours=i),
            referrer_type="police" if i < 12 else "ngo",
            owning_team=authority_team,
            status="recovery",
            last_activity_at=AT,
        )
        decision_make(
            referral,
            guidance_edition,
            decision_maker,
            stage="rg",
            outcome="positive" if i < 12 else "negative",
            made_at=AT + timedelta(days=2),
        )
        made.append(referral)
    return made


def test_every_figure_has_one_definition_used_by_page_and_export():
    assert "by_competent_authority" in fig.FIGURES
    for name, figure in fig.FIGURES.items():
        assert callable(figure.query), name
        assert figure.columns


def test_small_numbers_about_victims_are_suppressed(quarter):
    rows = dict(fig.figure_rows("referrals_by_referrer_type", *Q3))
    assert rows == {"Police": 12, "Non-governmental organisation": "fewer than 11"}
    (row,) = fig.figure_rows("by_competent_authority", *Q3)
    assert row[1:4] == (15, 12, "fewer than 11")


def test_decisions_by_stage_and_outcome_and_time_to_rg(quarter):
    assert ("Reasonable grounds", "Positive", 12) in fig.figure_rows(
        "decisions_by_stage_and_outcome", *Q3
    )
    rg = fig.figure_rows("time_to_decision", *Q3)[0]
    assert rg[0] == "Reasonable grounds" and rg[1] == 15
    assert rg[3] == 1.0  # served 3 days after a Monday referral: within 5 working days


def test_period_filter_excludes_other_quarters(quarter):
    assert fig.figure_rows("referrals_by_referrer_type", date(2026, 4, 1), date(2026, 6, 30)) == []
    assert fig.quarter_bounds("2026-Q3")[:2] == Q3
    assert fig.quarter_bounds("nonsense", today=date(2026, 11, 18))[2] == "2026-Q3"


def test_stuck_referrals_by_what_they_wait_for(quarter):
    rows = fig.figure_rows("stuck_referrals", *Q3)
    assert rows[0][:2] == ("The end of the recovery period", 15)
    Referral.objects.update(last_activity_at=datetime(2026, 11, 1, tzinfo=LONDON))
    assert fig.figure_rows("stuck_referrals", *Q3) == []  # 17 days: not yet 20


def test_data_quality_rules(person, form_version, guidance_edition, decision_maker):
    referral_make(person, form_version, received_at=AT, consent="", status="rg_pending")
    negative = referral_make(person, form_version, received_at=AT, status="concluded")
    served = decision_make(
        negative, guidance_edition, decision_maker, stage="rg", outcome="negative", made_at=AT
    )
    counts = fig.data_quality()
    assert counts == {"no_consent": 1, "rg_past_target": 1, "negative_without_check": 1}
    check_make(served, requested_at=AT, status="agreed", completed_at=AT)
    assert fig.data_quality()["negative_without_check"] == 0


def test_figures_page_and_csv_export_audited(client, nrm_manager, decision_maker, quarter):
    client.force_login(nrm_manager)
    page = client.get(reverse("nrm:figures"), {"quarter": "2026-Q3"}).content.decode()
    assert "Referrals and decisions by competent authority" in page
    assert "fewer than 11" in page and "Data quality" in page
    export = client.get(reverse("nrm:figures-export"), {"quarter": "2026-Q3"})
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv")
    assert "referrals_by_referrer_type,2026-Q3,Police,12" in body
    event = AuditEvent.objects.get(verb="nrm.figures_exported")
    assert event.action == "disclosure"
    client.force_login(decision_maker)
    assert client.get(reverse("nrm:figures")).status_code == 403
