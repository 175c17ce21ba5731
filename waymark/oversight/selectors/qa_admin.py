"""Oversight reads: editing quality assurance (issue 20 item 1, part 2): a kind's checklist
versions with what each changed, a rule's history of changes and corrective actions. The levels
and the rules page's rows are in ``selectors.qa``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404

from waymark.core import assurance
from waymark.oversight import permissions as perms
from waymark.oversight.models import Checklist, ChecklistQuestion, QALevelEvent, SamplingRule
from waymark.oversight.selectors.qa import kind_choices, rule_lineage


def level_events_all(rule: SamplingRule):
    """Every recorded resumption of the rule and the rules it replaced (any person), newest first."""
    return (
        QALevelEvent.objects.filter(rule__in=[r.pk for r in rule_lineage(rule)])
        .select_related("recorded_by", "worker", "rule")
        .order_by("-recorded_at", "-pk")
    )


QUESTION_FIELDS = {
    "area": "area",
    "text": "question",
    "guidance": "guidance",
    "weight": "weight",
    "failure_reasons": "failure reasons",
}


@dataclass
class ChecklistVersion:
    checklist: Checklist
    questions: list[ChecklistQuestion]
    reviews: int
    added: list[ChecklistQuestion]  # questions new in this version
    removed: list[ChecklistQuestion]  # questions of the version before that this one dropped
    changed: list[tuple[ChecklistQuestion, list[str]]]  # (question, what changed)
    moved: bool  # the same questions in a different order


def checklist_history(kind_key: str) -> list[ChecklistVersion]:
    """A kind's checklist versions, newest first, each compared with the one before it (questions
    matched by their code, which a question keeps across versions)."""
    versions = list(
        Checklist.objects.filter(kind_key=kind_key)
        .select_related("created_by")
        .prefetch_related("questions")
        .annotate(n_reviews=Count("reviews"))
        .order_by("version")
    )
    out: list[ChecklistVersion] = []
    before: dict[str, ChecklistQuestion] = {}
    before_order: list[str] = []
    for checklist in versions:
        questions = list(checklist.questions.all())
        now = {q.code: q for q in questions}
        added = [q for q in questions if q.code not in before] if out else []
        removed = [q for code, q in before.items() if code not in now]
        changed = []
        for q in questions:
            old = before.get(q.code)
            if old is None:
                continue
            diffs = [
                label
                for field, label in QUESTION_FIELDS.items()
                if getattr(old, field) != getattr(q, field)
            ]
            if diffs:
                changed.append((q, diffs))
        kept = [c for c in before_order if c in now]
        moved = bool(out) and kept != [q.code for q in questions if q.code in before]
        out.append(
            ChecklistVersion(
                checklist=checklist,
                questions=questions,
                reviews=checklist.n_reviews,  # type: ignore[attr-defined]
                added=added,
                removed=removed,
                changed=changed,
                moved=moved,
            )
        )
        before, before_order = now, [q.code for q in questions]
    return list(reversed(out))


def access_kind(user, kind_key: str) -> str:
    """A kind of work that has a checklist (404 otherwise, and to anyone without QA reads)."""
    if not user.has_perm(perms.QA_VIEW) or assurance.work_kind(kind_key) is None:
        raise Http404
    return kind_key


def rule_history(rule: SamplingRule) -> list[SamplingRule]:
    """The rule, what replaced it (if anything) and what it replaced: newest first."""
    newest = rule
    seen = {rule.pk}
    while True:
        after = SamplingRule.objects.filter(replaces=newest).first()
        if after is None or after.pk in seen:
            break
        seen.add(after.pk)
        newest = after
    return [
        SamplingRule.objects.select_related("created_by").get(pk=r.pk) for r in rule_lineage(newest)
    ]


def kinds_without_checklist() -> list[tuple[str, str]]:
    """Kinds of work offered for review that have no checklist yet (to write a first version)."""
    have = set(Checklist.objects.values_list("kind_key", flat=True))
    return [(k, label) for k, label in kind_choices() if k not in have]
