"""Issue 14 item 1: with production's manifest storage, collectstatic failed (a directory passed to
``static()`` in the page layout; a GOV.UK image the compiled CSS asks for under MOJ's asset path) and
every page answered 500. Collect with the production storage and render pages through it."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_static(tmp_path):
    with override_settings(STORAGES=MANIFEST, STATIC_ROOT=tmp_path / "static"):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert type(staticfiles_storage._wrapped).__name__ == "CompressedManifestStaticFilesStorage"
        yield tmp_path / "static"


@pytest.mark.django_db
def test_collectstatic_with_the_production_storage_resolves_every_css_url(production_static):
    manifest = (production_static / "staticfiles.json").read_text()
    assert "waymark/application.css" in manifest
    assert "moj/assets/images/govuk-crest.svg" in manifest  # asked for by the compiled CSS


@pytest.mark.django_db
def test_pages_render_with_hashed_static_urls(production_static, client, django_user_model):
    response = client.get("/accounts/sign-in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "/static/waymark/application." in html
        and "application.css" not in html.split("/static/waymark/application.")[1][:1]
    )  # a hashed name: application.<hash>.css
    user = django_user_model.objects.create_user(username="pat.page", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/").status_code == 200
