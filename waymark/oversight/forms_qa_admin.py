"""GOV.UK forms for editing quality assurance (issue 20 item 1, part 2): a checklist's new version,
a rule's change and the corrective action that resumes discontinued sampling. Thin: the services
refuse what is wrong (weights, texts, repeated reason codes; rates, caps, dates) and their
messages land on these fields."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.oversight import rules
from waymark.oversight.forms_qa import RuleForm

REASONS_HINT = (
    "One a line: a short code, a bar, then what it means, for example "
    "'late | Decision made after the deadline'"
)


def reasons_text(failure_reasons) -> str:
    return "\n".join(f"{code} | {label}" for code, label in failure_reasons or [])


def reasons_parse(text: str) -> list[list[str]]:
    """``code | label`` lines to ``[[code, label], ...]`` (a line without a bar: no label, which
    the service refuses with the reason)."""
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        code, _bar, label = line.partition("|")
        out.append([code.strip(), label.strip()])
    return out


class ChecklistForm(GovUKForm):
    """The checklist's title and, per question (numbered from 1 in their order): area, text,
    guidance, weight and failure reasons. Question codes travel as hidden inputs so a question
    keeps its identity across versions (the history's diff matches on them)."""

    title = forms.CharField(
        label="Title of the checklist",
        max_length=200,
        required=False,
    )

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count
        for i in range(1, count + 1):
            self.fields[f"q{i}_area"] = forms.CharField(
                label=f"Question {i}: area (optional)", required=False, max_length=100
            )
            self.fields[f"q{i}_text"] = forms.CharField(
                label=f"Question {i}: the question", required=False, max_length=300
            )
            self.fields[f"q{i}_guidance"] = forms.CharField(
                label=f"Question {i}: guidance for the reviewer (optional)",
                required=False,
                max_length=rules.TEXT_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"q{i}_weight"] = forms.CharField(
                label=f"Question {i}: weight",
                required=False,
                max_length=4,
                help_text=f"A whole number from 1 to {rules.QA_WEIGHT_MAX}",
            )
            self.fields[f"q{i}_reasons"] = forms.CharField(
                label=f"Question {i}: failure reasons",
                required=False,
                help_text=REASONS_HINT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def question_fields(self, i: int) -> list[str]:
        return [f"q{i}_{part}" for part in ("area", "text", "guidance", "weight", "reasons")]


def questions_from_post(data) -> list[dict]:
    """The questions as posted (in order), unvalidated: the page re-renders them after adding,
    removing or moving one, and the service checks them on saving."""
    out = []
    i = 1
    while f"q{i}_text" in data or f"q{i}_code" in data:
        out.append(
            {
                "code": data.get(f"q{i}_code", ""),
                "area": data.get(f"q{i}_area", ""),
                "text": data.get(f"q{i}_text", ""),
                "guidance": data.get(f"q{i}_guidance", ""),
                "weight": data.get(f"q{i}_weight", ""),
                "reasons": data.get(f"q{i}_reasons", ""),
            }
        )
        i += 1
    return out


def questions_as_post(title: str, questions: list[dict]) -> dict[str, str]:
    data = {"title": title}
    for i, q in enumerate(questions, 1):
        for part in ("code", "area", "text", "guidance", "weight", "reasons"):
            data[f"q{i}_{part}"] = str(q.get(part, "") if q.get(part) is not None else "")
    return data


class RuleChangeForm(RuleForm):
    """The rule's new settings (as when adding one), the date they take effect and why."""

    starts_on = GovUKDateField(label="Date the change takes effect")
    reason = forms.CharField(
        label="Why the rule is changed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter why the rule is changed"},
    )


class RuleEndForm(GovUKForm):
    """A rule's last day in force and why it ends with nothing replacing it."""

    ends_on = GovUKDateField(
        label="Last day the rule is in force",
        help_text="Today or a past date, no earlier than the end of its last draw",
    )
    reason = forms.CharField(
        label="Why the rule is ended",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter why the rule is ended"},
    )


class ResumeForm(GovUKForm):
    """The corrective action an assurance manager records to resume discontinued sampling."""

    reason = forms.CharField(
        label="The corrective action taken",
        help_text="What was done about the failures (training, guidance, a change of process)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=rules.TEXT_MAX_CHARS,
        error_messages={"required": "Enter the corrective action taken"},
    )

    def __init__(self, *args, people: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        if people:
            self.fields["worker"] = forms.TypedChoiceField(
                label="Whose sampling resumes",
                coerce=int,
                choices=[("", "Choose the person"), *people],
                error_messages={"required": "Choose whose sampling resumes"},
            )
            self.order_fields(["worker", "reason"])
