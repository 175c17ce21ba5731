"""Fairness monitoring's pages: every role on every page, the figures with suppressed cells marked
and flagged disparities linked to their items, a small group's figure refused with the GOV.UK error
summary, protected characteristics only with their permission, the audited CSV export, and the
explain-or-reform forms."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import fairness as core_fairness
from waymark.core.fairness import DecisionPoint, DecisionRow
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight.models import DisparityReview, DisparityReviewStatus
from waymark.oversight.services import fairness as svc

K = 11


@pytest.fixture
def team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="fairness-views", defaults={"name": "Fairness"})[0]


@pytest.fixture
def point(monkeypatch):
    rows: list[DecisionRow] = []
    p = DecisionPoint(
        "fairnessview.point",
        "Test decisions",
        "fairnessview",
        "Outcome happened",
        lambda start, end: list(rows),
        carries=("sector",),
    )
    # First in the list, so it is the page's default decision point.
    monkeypatch.setattr(core_fairness, "_POINTS", {p.key: p, **core_fairness._POINTS})
    today = testing.NOW.date()
    for sector, n, a in (("Retail", 200, 40), ("Construction", 100, 40), ("Nail bars", K - 1, 9)):
        rows += [DecisionRow(None, None, i < a, today, sector) for i in range(n)]
    return SimpleNamespace(key=p.key, rows=rows)


def _figures_url(point, **extra):
    params = {"point": point.key, "dimension": "sector", **extra}
    return reverse("oversight:fairness") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.fixture
def item(point, team):
    analyst = testing.user_make("performance_analyst", team, last_name="Opener")
    owner = testing.user_make("data_protection", team, last_name="Owner")
    from waymark.oversight.selectors.fairness import period_for

    start, end = period_for(12)
    return svc.disparity_review_open(
        actor=analyst,
        point_key=point.key,
        dimension_key="sector",
        group="Construction",
        start=start,
        end=end,
        owner=owner,
    )


PAGES = {
    "figures": (perms.VIEW_FAIRNESS, lambda item: reverse("oversight:fairness")),
    "reviews": (perms.VIEW_FAIRNESS, lambda item: reverse("oversight:fairness-reviews")),
    "review": (
        perms.VIEW_FAIRNESS,
        lambda item: reverse("oversight:fairness-review", args=[item.pk]),
    ),
    "open": (
        perms.MANAGE_DISPARITY_REVIEWS,
        lambda item: (
            reverse("oversight:fairness-review-open")
            + "?point=fairnessview.point&dimension=sector&group=Construction"
        ),
    ),
    "return": (
        perms.MANAGE_DISPARITY_REVIEWS,
        lambda item: reverse("oversight:fairness-review-return", args=[item.pk]),
    ),
    "export": (
        perms.EXPORT_FAIRNESS,
        lambda item: (
            reverse("oversight:fairness-export") + "?point=fairnessview.point&dimension=sector"
        ),
    ),
}


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, team, item, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    for name, (permission, url) in PAGES.items():
        response = client.get(url(item))
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)
    # Answering: the owner or anyone who manages the items; closing is POST only.
    response = client.get(reverse("oversight:fairness-review-answer", args=[item.pk]))
    expected = 200 if user.has_perm(perms.MANAGE_DISPARITY_REVIEWS) else 403
    assert response.status_code == expected, role_key
    response = client.post(reverse("oversight:fairness-review-close", args=[item.pk]))
    expected = 302 if user.has_perm(perms.MANAGE_DISPARITY_REVIEWS) else 403
    assert response.status_code == expected, role_key
    # A protected breakdown: only with the restricted permission.
    response = client.get(
        _figures_url(SimpleNamespace(key="fairnessview.point"), dimension="ethnicity")
    )
    sees = user.has_perm(perms.VIEW_FAIRNESS) and user.has_perm(perms.VIEW_PROTECTED)
    assert response.status_code == (200 if sees else 403), role_key


def test_the_roles_hold_what_they_need():
    def has(role, perm):
        return perm in ROLES[role].permissions

    for role in ("data_protection", "performance_analyst"):
        assert has(role, perms.VIEW_FAIRNESS) and has(role, perms.MANAGE_DISPARITY_REVIEWS)
        assert has(role, perms.EXPORT_FAIRNESS) and has(role, perms.VIEW_PROTECTED)
    assert has("assurance", perms.VIEW_FAIRNESS)
    assert not has("assurance", perms.VIEW_PROTECTED)
    assert not has("assurance", perms.MANAGE_DISPARITY_REVIEWS)
    assert not has("case_owner", perms.VIEW_FAIRNESS)


def test_the_figures_mark_suppressed_cells_and_flagged_groups(point, team, client):
    client.force_login(testing.user_make("performance_analyst", team))
    response = client.get(_figures_url(point))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Suppressed" in html and "Nail bars" not in html
    assert "Flagged" in html and "Open an explain-or-reform item" in html
    assert "Reference" in html and "Retail" in html
    assert "group=Construction" in html


def test_a_small_groups_figure_is_refused_with_the_reason(point, team, client):
    client.force_login(testing.user_make("performance_analyst", team))
    response = client.get(_figures_url(point, group="Nail%20bars"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "fewer than 11" in html
    response = client.get(_figures_url(point, group="Construction"))
    assert response.status_code == 200
    assert "40 of 100" in response.content.decode()


def test_bad_filters_fall_back_and_never_error(point, team, client):
    client.force_login(testing.user_make("performance_analyst", team))
    for query in ("?point=nope&months=abc", "?months=7", "?dimension=shoe_size", "?point=%00"):
        response = client.get(reverse("oversight:fairness") + query)
        assert response.status_code in (200, 400), query


def test_the_export_is_one_disclosure_with_suppressed_cells_marked(point, team, client):
    user = testing.user_make("performance_analyst", team)
    client.force_login(user)
    response = client.get(
        reverse("oversight:fairness-export") + f"?point={point.key}&dimension=sector"
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Decision point"
    by_group = {r[3]: r for r in rows[1:]}
    assert by_group["Construction"][4:6] == ["100", "40"] and by_group["Construction"][11] == "yes"
    other = next(r for g, r in by_group.items() if g.startswith("Other groups"))
    assert other[4] == "suppressed"
    entry = AuditEvent.objects.filter(verb="oversight.fairness_exported").get()
    assert entry.action == AuditAction.DISCLOSURE and entry.payload["people"] is None


def test_open_answer_send_back_and_close_through_the_pages(point, team, client):
    analyst = testing.user_make("performance_analyst", team, last_name="Analyst")
    owner = testing.user_make("data_protection", team, last_name="Owner")
    client.force_login(analyst)
    open_url = (
        reverse("oversight:fairness-review-open")
        + f"?point={point.key}&dimension=sector&group=Construction"
    )
    # Bad input: no owner, no date: the error summary, nothing saved.
    response = client.post(open_url, {})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not DisparityReview.objects.exists()
    due = testing.NOW.date()
    response = client.post(
        open_url,
        {"owner": owner.pk, "due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year + 1},
    )
    assert response.status_code == 302
    review = DisparityReview.objects.get()
    # A small group cannot be opened from the page either.
    response = client.post(
        open_url.replace("Construction", "Nail%20bars"),
        {"owner": owner.pk, "due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year + 1},
    )
    assert response.status_code == 400 and "fewer than 11" in response.content.decode()
    assert DisparityReview.objects.count() == 1

    client.force_login(owner)
    answer_url = reverse("oversight:fairness-review-answer", args=[review.pk])
    assert client.post(answer_url, {"answer_kind": "explain"}).status_code == 400
    response = client.post(
        answer_url, {"answer_kind": "explain", "answer": "Construction visits follow intelligence."}
    )
    assert response.status_code == 302
    # The owner may not accept their own answer.
    client.post(reverse("oversight:fairness-review-close", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == DisparityReviewStatus.ANSWERED

    client.force_login(analyst)
    response = client.post(
        reverse("oversight:fairness-review-return", args=[review.pk]), {"reason": "Show the data"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == DisparityReviewStatus.OPEN
    client.force_login(owner)
    client.post(answer_url, {"answer_kind": "reform", "answer": "Plans change in March."})
    client.force_login(analyst)
    client.post(reverse("oversight:fairness-review-close", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == DisparityReviewStatus.CLOSED
    page = client.get(reverse("oversight:fairness-review", args=[review.pk])).content.decode()
    assert "Plans change in March." in page and "Reform" in page
    listing = client.get(reverse("oversight:fairness-reviews")).content.decode()
    assert f"Item {review.pk}" in listing
