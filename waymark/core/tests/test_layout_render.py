"""The layout's per-process shortcuts give exactly what the uncached calls give (core.jinja2): the
URLs and static paths every page asks for, GOV.UK's service navigation, Jinja's imports, and one
CSRF token for the page's meta tag and sign-out forms."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.templatetags.static import static as django_static
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from waymark.core import jinja2 as core_jinja2

urlpatterns: list = []  # the URLconf of the test that changes ROOT_URLCONF


def _env():
    return engines["jinja2"].env


def test_a_url_without_arguments_follows_the_script_prefix_and_urlconf():
    assert core_jinja2.url("accounts:sign-out") == reverse("accounts:sign-out")
    set_script_prefix("/waymark/")
    try:
        assert core_jinja2.url("accounts:sign-out") == "/waymark/accounts/sign-out/"
    finally:
        set_script_prefix("/")
    assert core_jinja2.url("accounts:sign-out") == "/accounts/sign-out/"
    with override_settings(ROOT_URLCONF=__name__):  # this module: no URLs at all
        from django.urls import NoReverseMatch

        with pytest.raises(NoReverseMatch):
            core_jinja2.url("accounts:sign-out")
    assert core_jinja2.url("people:detail", pk=7) == reverse("people:detail", kwargs={"pk": 7})


def test_a_static_path_follows_the_static_settings():
    assert core_jinja2.static("waymark/init.mjs") == django_static("waymark/init.mjs")
    with override_settings(STATIC_URL="/assets-elsewhere/"):
        assert core_jinja2.static("waymark/init.mjs") == "/assets-elsewhere/waymark/init.mjs"
    assert core_jinja2.static("waymark/init.mjs") == django_static("waymark/init.mjs")


@pytest.mark.parametrize("active", [0, 1, None])
def test_the_kept_service_navigation_is_the_macros_own_output(active):
    env = _env()
    items = [
        {"href": "/work/", "text": "Work", "active": active == 0},
        {"href": "/people/", "text": "People & <records>", "active": active == 1},
    ]
    direct = env.from_string(
        '{% from "govuk_frontend_jinja/components/service-navigation/macro.html" '
        "import govukServiceNavigation %}{{ govukServiceNavigation({"
        '"navigation": items, "navigationLabel": "Menu", "collapseNavigationOnMobile": true}) }}'
    ).render(items=items)
    kept = env.globals["service_navigation"](items)
    assert str(kept) == direct
    assert "People &amp; &lt;records&gt;" in str(kept)
    assert ("aria-current=" in str(kept)) is (active is not None)
    assert env.globals["service_navigation"](items) is kept  # rendered once


def test_an_imported_macro_sees_the_globals_of_the_template_importing_it():
    """Jinja's rule, which ``_Template`` keeps: a macro imported into a template that has globals
    of its own (beyond the environment's) is rendered with them."""
    from jinja2 import DictLoader

    env = _env()
    assert env.template_class is core_jinja2._Template
    source = "{% macro hello() %}{{ greeting | default('none') }}{% endmacro %}"
    env.loader.loaders.insert(0, DictLoader({"test/_layout_render_hello.html": source}))
    try:
        importing = '{% from "test/_layout_render_hello.html" import hello %}{{ hello() }}'
        page = env.from_string(importing, globals={"greeting": "from the page"})
        assert page.render() == "from the page"
        assert env.from_string(importing).render() == "none"
    finally:
        env.loader.loaders.pop(0)


@pytest.mark.django_db
def test_the_page_carries_one_csrf_token_and_signing_out_with_it_works(client, django_user_model):
    user = django_user_model.objects.create_user(username="layout-reader", password="x-y-z-123456")
    client.force_login(user)
    client.handler.enforce_csrf_checks = True
    page = client.get(reverse("accounts:account")).content.decode()
    meta = re.findall(r'name="waymark-csrf-token" content="([^"]+)"', page)
    hidden = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert len(meta) == 1 and len(hidden) >= 2
    assert set(hidden[:2]) == set(meta)
    response = client.post(reverse("accounts:sign-out"), {"csrfmiddlewaretoken": meta[0]})
    assert response.status_code in (302, 303)
    assert "_auth_user_id" not in client.session
