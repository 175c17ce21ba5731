"""The service navigation marks exactly one item as the current page."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from waymark.core import navigation
from waymark.core.navigation import NavItem


def test_only_the_longest_matching_item_is_current(monkeypatch):
    monkeypatch.setattr(
        navigation,
        "_ITEMS",
        [
            NavItem("Visits", "operations:home", "", 1),
            NavItem("In the field", "operations:field-visits", "", 2),
        ],
    )
    request = RequestFactory().get("/operations/field/")
    request.user = AnonymousUser()
    items = navigation.nav_items(request)
    assert [(i["text"], i["active"]) for i in items] == [("Visits", False), ("In the field", True)]
    request = RequestFactory().get("/operations/visits/1/")
    request.user = AnonymousUser()
    assert [i["active"] for i in navigation.nav_items(request)] == [True, False]


def _request(path, user=None):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    return request


GROUPED = [
    NavItem("Monitoring", "monitoring:home", "", 30),
    NavItem("Workload", "work:workload", "", 79, group="figures", description="Team work"),
    NavItem("EM figures", "monitoring:mi", "", 80, group="figures"),
    NavItem("Guidance", "guidance:index", "", 90, area="header"),
]


def test_figures_pages_share_one_entry_which_is_current_on_any_of_them(monkeypatch):
    monkeypatch.setattr(navigation, "_ITEMS", GROUPED)
    items = navigation.nav_items(_request("/monitoring/figures/"))
    assert [(i["text"], i["href"], i["active"]) for i in items] == [
        ("Monitoring", "/monitoring/", False),
        ("Figures", "/figures/", True),
    ]
    # Elsewhere in monitoring, Monitoring is current; on the Figures page itself, Figures.
    assert [i["active"] for i in navigation.nav_items(_request("/monitoring/1/"))] == [True, False]
    assert [i["active"] for i in navigation.nav_items(_request("/figures/"))] == [False, True]
    entries = navigation.group_entries(_request("/figures/"), "figures")
    assert [(e["text"], e["description"]) for e in entries] == [
        ("Workload", "Team work"),
        ("EM figures", ""),
    ]


def test_a_group_of_one_is_shown_as_its_page_and_header_items_stay_out_of_the_bar(monkeypatch):
    monkeypatch.setattr(
        navigation,
        "_ITEMS",
        [
            *GROUPED[:1],
            NavItem(
                "EM figures", "monitoring:mi", "monitoring.nobody_has_this", 80, group="figures"
            ),
            GROUPED[1],
            GROUPED[3],
        ],
    )

    class OnlySome(AnonymousUser):
        def has_perm(self, perm, obj=None):
            return perm != "monitoring.nobody_has_this"

    items = navigation.nav_items(_request("/", OnlySome()))
    assert [i["text"] for i in items] == ["Monitoring", "Workload"]
    assert [i["text"] for i in navigation.header_items(_request("/guidance/"))] == ["Guidance"]
    assert navigation.header_items(_request("/guidance/"))[0]["active"]


def test_every_role_s_navigation_has_at_most_eight_entries(db):
    """Eight entries fit one line at 1280 px (the browser sweep measures the line itself)."""
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User
    from waymark.accounts.roles import ROLES
    from waymark.accounts.services import roles_sync

    roles_sync()
    counts = {}
    for key in ROLES:
        user = User.objects.create_user(username=f"nav-{key}", password=None)
        user.groups.add(Group.objects.get(name=key))
        user = User.objects.get(pk=user.pk)  # a fresh permission cache
        counts[key] = [i["text"] for i in navigation.nav_items(_request("/", user))]
    assert len(counts) == len(ROLES)
    assert max(len(items) for items in counts.values()) <= 8, counts


def test_the_bar_follows_the_users_permissions_from_one_request_to_the_next(monkeypatch, db):
    """The bar reads the permission set once a request (not ``has_perm`` per item), so a role
    granted or withdrawn shows on the next page; an inactive account sees no guarded item."""
    from django.contrib.auth.models import Permission

    from waymark.accounts.models import User

    monkeypatch.setattr(
        navigation,
        "_ITEMS",
        [
            NavItem("Cookies", "cookies", "", 1),
            NavItem("People", "accessibility", "people.view_person", 80),
        ],
    )
    user = User.objects.create_user("nav-reader", password="x")

    def texts():
        return [
            i["text"] for i in navigation.nav_items(_request("/", User.objects.get(pk=user.pk)))
        ]

    assert texts() == ["Cookies"]
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="view_person")
    )
    assert texts() == ["Cookies", "People"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert texts() == ["Cookies"]
    User.objects.filter(pk=user.pk).update(is_active=True, is_superuser=True)
    user.user_permissions.clear()
    assert texts() == ["Cookies", "People"]


def test_links_are_reversed_again_when_the_urlconf_changes(monkeypatch, settings):
    monkeypatch.setattr(navigation, "_ITEMS", [NavItem("Cookies", "cookies", "", 1)])
    assert [i["href"] for i in navigation.nav_items(_request("/"))] == ["/cookies/"]
    settings.FORCE_SCRIPT_NAME = "/waymark/"
    from django.urls import set_script_prefix

    set_script_prefix("/waymark/")
    try:
        assert [i["href"] for i in navigation.nav_items(_request("/"))] == ["/waymark/cookies/"]
    finally:
        set_script_prefix("/")
