"""Who may read linkage records (issue 14 item 10).

Linkage pages show police and legacy records as they were imported: names, dates of birth,
nationalities, postcodes, PNC IDs. Only the linkage roles (records and linkage manager, assurance)
need them; the system administrator, who manages users and teams, must not read them. Every
linkage URL is walked from the URL map, so a page added later is covered without editing this.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import URLPattern, reverse

from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.linkage import services as bulk_services
from waymark.linkage import urls as linkage_urls
from waymark.linkage.models import ImportRejection, SourceKind
from waymark.linkage.tests import bulk_fixtures as bfx
from waymark.linkage.tests import review_fixtures as rfx

pytestmark = pytest.mark.django_db

# The pages that put a record's personal details on screen (or in a file).
SHOWS_RECORDS = {
    "review-queue",
    "pair",
    "record",
    "person",
    "bulk-detail",
    "bulk-match",
    "bulk-new-criminality",
    "import-rejections",
    "import-warnings",
    "import-report",
    "match",
    "ownership",
}
LINKAGE_ROLES = sorted(
    key for key, role in ROLES.items() if any(p.startswith("linkage.") for p in role.permissions)
)


@pytest.fixture
def world(db):
    with clock.frozen(rfx.NOW):
        review = rfx.review_world()
    team = bfx.team_make("Criminal casework Croydon")
    person = bfx.person_make(
        "Bola", "Okafor", date(1985, 3, 2), nationality="NGA", postcode="M1 2AB", team=team
    )
    legacy = bfx.job_make()
    bfx.record_make(
        legacy,
        person=person,
        source_ref="CID-1",
        given_names="Bola",
        family_name="Okafor",
        date_of_birth="1985-03-02",
    )
    police = bfx.job_make(SourceKind.POLICE, label="PNC extract")
    bfx.police_record_make(
        police,
        "2015/0099887B",
        "Bola",
        "OKAFOR",
        "1985-03-02",
        nationality="NGA",
        postcode="M1 2AB",
    )
    manager = bfx.user_with_role("records_manager")
    started = bulk_services.bulk_check_start(
        actor=manager, name="Reporting v PNC", population="all_linked", police_import=police
    )
    check = bulk_services.bulk_check_execute(started.pk, model=bfx.model_fixed())
    match = check.matches.get()
    ImportRejection.objects.create(
        job=review["job"],
        row_number=5,
        reasons=[{"detail": "Bad date"}],
        values={"CASE_ID": "C4", "NAME": "SMITH"},
    )
    return {**review, "check": check, "bulk_match": match}


def _args(world) -> dict[str, list]:
    return {
        "run-detail": [world["run"].pk],
        "pair": [world["pair"].pk],
        "record": [world["left"].pk],
        "person": [world["person_a"].pk],
        "bulk-detail": [world["check"].pk],
        "bulk-match": [world["bulk_match"].pk],
        **{
            name: [world["job"].pk]
            for name in (
                "import-detail",
                "import-map",
                "import-check",
                "import-cancel",
                "import-rejections",
                "import-warnings",
                "import-report",
            )
        },
    }


def _linkage_urls(world) -> dict[str, str]:
    args = _args(world)
    urls = {}
    for pattern in linkage_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        needs_args = "<" in str(pattern.pattern)
        assert not needs_args or pattern.name in args, (
            f"give linkage:{pattern.name} an object in _args"
        )
        urls[pattern.name] = reverse(f"linkage:{pattern.name}", args=args.get(pattern.name, []))
    return urls


def test_the_linkage_roles_are_the_records_manager_and_assurance():
    assert LINKAGE_ROLES == ["assurance", "records_manager"]
    assert not [p for p in ROLES["system_admin"].permissions if p.startswith("linkage.")]


def test_the_system_administrator_is_refused_every_linkage_page(client, world):
    client.force_login(bfx.user_with_role("system_admin"))
    urls = _linkage_urls(world)
    assert set(urls) >= SHOWS_RECORDS
    for name, url in urls.items():
        assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == 403, name


@pytest.mark.parametrize("role_key", LINKAGE_ROLES)
def test_a_linkage_role_reads_the_records(client, world, role_key):
    user = bfx.user_with_role(role_key)
    client.force_login(user)
    declared = {p.name: p.callback.waymark_permissions for p in linkage_urls.urlpatterns}
    read = 0
    for name, url in _linkage_urls(world).items():
        status = client.get(url).status_code
        if not user.has_perms(declared[name]):
            assert status == 403, name  # assurance: the imports and starting runs are not theirs
        elif name in SHOWS_RECORDS:
            assert status == 200, name
            read += 1
        else:
            assert status in (200, 302, 405), name  # a POST-only action, or a step that moved on
    assert read >= 8


def test_a_linkage_role_sees_the_police_record_the_administrator_cannot(client, world):
    url = reverse("linkage:bulk-match", args=[world["bulk_match"].pk])
    client.force_login(bfx.user_with_role("records_manager"))
    assert "2015/0099887B" in client.get(url).content.decode()
    client.force_login(bfx.user_with_role("system_admin"))
    response = client.get(url)
    assert response.status_code == 403 and "2015/0099887B" not in response.content.decode()
