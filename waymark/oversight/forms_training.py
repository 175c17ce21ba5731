"""GOV.UK forms for training records (issue 20 item 2). Thin: the services check the rules (an
author approving their own course, a trainer without a signed-off trainer competence, a session in
the future) and their messages land on these fields."""

from __future__ import annotations

from django import forms

from waymark.core.forms import GovUKDateField, GovUKForm
from waymark.oversight import rules


class CourseForm(GovUKForm):
    topic = forms.ChoiceField(
        label="Training topic",
        help_text="The topic quality review failures point to; the training needs page links "
        "each need to the courses on its topic",
        choices=(),
        error_messages={"required": "Select the training topic the course covers"},
    )
    title = forms.CharField(
        label="Course title",
        max_length=200,
        error_messages={"required": "Enter the course title"},
    )
    description = forms.CharField(
        label="What the course covers (optional)",
        required=False,
        max_length=rules.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Select a topic")] + [
            (key, label) for key, (label, _c) in rules.TRAINING_TOPICS.items()
        ]


class WithdrawForm(GovUKForm):
    reason = forms.CharField(
        label="Why is the course withdrawn?",
        max_length=rules.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the course is withdrawn"},
    )


class SessionForm(GovUKForm):
    trainer = forms.TypedChoiceField(
        label="Trainer",
        help_text=(
            "People who held a signed-off trainer (competence assessor) competence in the last"
            " year; they must have held it on the day of the session"
        ),
        coerce=int,
        choices=(),
        error_messages={
            "required": "Select the trainer who delivered the session",
            "invalid_choice": "Select the trainer who delivered the session",
        },
    )
    delivered_on = GovUKDateField(label="Day the session was delivered", allow_future=False)
    place = forms.CharField(label="Where (optional)", required=False, max_length=200)
    completed_by = forms.TypedMultipleChoiceField(
        label="Who completed the session",
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one person who completed the session",
            "invalid_choice": "Select people from the list",
        },
    )

    def __init__(self, *args, trainers=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].choices = [("", "Select the trainer"), *trainers]
        self.fields["completed_by"].choices = list(people)
