"""Test helpers shared by the documents and correspondence tests."""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import date

from django.contrib.auth.models import Permission

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.people.models import ExternalReference, Person

_seq = itertools.count(1)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
# The EICAR anti-virus test file (eicar.org): harmless, and detected by every scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def team_make(slug: str = "em-hub") -> Team:
    team, _ = Team.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").title()}
    )
    return team


def user_make(*perms: str, username: str | None = None, team: Team | None = None) -> User:
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password="x" * 16)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.teams.add(team or team_make())
    return User.objects.get(pk=user.pk)  # fresh permission cache


def person_make(
    *,
    given_names: str = "Amina",
    family_name: str = "Okafor",
    date_of_birth: date | None = date(1990, 2, 1),
    home_office_reference: str = "",
    restricted: bool = False,
    team: Team | None = None,
) -> Person:
    now = clock.now()
    number = next(_seq)
    person = Person.objects.create(
        reference=f"WM-{9000000 + number:07d}",
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        created_at=now,
        updated_at=now,
        restricted_access=restricted,
        owning_team=team or team_make(),
        ownership_state="owned",
    )
    if home_office_reference:
        ExternalReference.objects.create(
            person=person,
            reference_type="home_office",
            value=home_office_reference,
            recorded_at=now,
        )
    return person


CASEWORKER_PERMS = (
    "people.view_person",
    "people.view_any_person",
    "documents.view_document",
    "documents.add_document",
    "documents.generate_letter",
    "documents.record_service",
    "correspondence.view_correspondenceitem",
    "correspondence.add_correspondenceitem",
    "correspondence.match_correspondence",
    "work.view_task",
)
