"""Where Waymark links to guidance, and the check that every such link leads to a page in force
(brief oversight.md §5: "a broken link is found by a check, not by a user", 001 §6.30).

A link is a step key (``operations.authorise``). Links come from three places:

- the registry: a module declares the step keys its journeys link to with
  ``register_guidance_steps(module, keys)`` from its ``registrations.py``;
- task types: ``TaskType.guidance`` (``waymark.work.registry``);
- templates and code: every literal ``guidance_link("…")`` in a Jinja template and every literal
  ``guidance="…"`` / ``"guidance_key": "…"`` in a module's Python, found by reading them.

``guidance_broken_links()`` lists each link whose page is missing, withdrawn or still a draft;
the test suite fails naming it (``tests/test_links.py``) and the ``guidance.check_links`` sweep
records it and tells the page's owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from waymark.guidance.models import ApprovalState, GuidancePage

_STEPS: dict[str, set[str]] = {}

# A literal step key passed to the guidance_link macro or guidance_for_step in a template.
TEMPLATE_LINK = re.compile(r"""guidance_(?:link|for_step)\(\s*["']([\w.\-]+)["']""")
# A literal step key given to a page in Python: guidance="operations.plan",
# "guidance_key": "operations.debrief", guidance_for_step("…").
CODE_LINK = re.compile(
    r"""(?:\bguidance(?:_key)?["']?\s*[=:]\s*|guidance_for_step\(\s*)["']([a-z_]+\.[a-z_.]+)["']"""
)


def register_guidance_steps(module: str, keys: list[str] | tuple[str, ...]) -> None:
    """Declare the step keys a module's pages link to (idempotent)."""
    _STEPS.setdefault(module, set()).update(keys)


def registered_steps() -> dict[str, list[str]]:
    return {module: sorted(keys) for module, keys in sorted(_STEPS.items())}


@dataclass(frozen=True)
class GuidanceLink:
    step_key: str
    where: str


@dataclass(frozen=True)
class BrokenLink:
    step_key: str
    where: str
    problem: str
    page: GuidancePage | None

    def __str__(self) -> str:
        return f"{self.where} links to {self.step_key!r}: {self.problem}"


def _template_links() -> list[GuidanceLink]:
    root = Path(settings.BASE_DIR) / "waymark"
    found = []
    for path in sorted(root.glob("*/jinja2/**/*.html")):
        if "/guidance/jinja2/guidance/_link.html" in path.as_posix():
            continue
        for key in TEMPLATE_LINK.findall(path.read_text(encoding="utf-8")):
            found.append(GuidanceLink(key, f"template {path.relative_to(root.parent)}"))
    return found


def _code_links() -> list[GuidanceLink]:
    root = Path(settings.BASE_DIR) / "waymark"
    found = []
    for path in sorted(root.glob("*/**/*.py")):
        parts = path.relative_to(root).parts
        if parts[0] == "guidance" or "tests" in parts or "migrations" in parts:
            continue
        for key in CODE_LINK.findall(path.read_text(encoding="utf-8")):
            found.append(GuidanceLink(key, f"code {path.relative_to(root.parent)}"))
    return found


def guidance_links() -> list[GuidanceLink]:
    """Every known link to guidance: registered steps, task types, template literals."""
    from waymark.work.registry import task_types

    links = [
        GuidanceLink(key, f"{module} journey step")
        for module, keys in registered_steps().items()
        for key in keys
    ]
    links += [GuidanceLink(t.guidance, f"task type {t.key}") for t in task_types() if t.guidance]
    links += _template_links() + _code_links()
    return sorted(set(links), key=lambda link: (link.step_key, link.where))


def guidance_broken_links() -> list[BrokenLink]:
    """Each link whose step has no page, or whose page is withdrawn or only a draft."""
    pages: dict[str, GuidancePage] = {}
    for page in GuidancePage.objects.exclude(step_key="").select_related("owner"):
        pages.setdefault(page.step_key, page)
    broken = []
    for link in guidance_links():
        page = pages.get(link.step_key)
        if page is None:
            problem = "no guidance page has this step key"
        elif page.state == ApprovalState.WITHDRAWN:
            problem = f"the page {page.slug!r} has been withdrawn ({page.withdrawn_reason})"
        elif page.state == ApprovalState.DRAFT:
            problem = f"the page {page.slug!r} is a draft that staff cannot see"
        else:
            continue
        broken.append(BrokenLink(link.step_key, link.where, problem, page))
    return broken
