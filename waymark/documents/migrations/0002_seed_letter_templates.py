"""Seed the first letter templates. Data only; reversible (removes version 1 of these keys)."""

from django.db import migrations
from django.utils import timezone

TEMPLATES = [
    (
        "general-acknowledgement",
        "General acknowledgement",
        "Acknowledges a letter or email and says when a full reply will follow",
        """{{ letter.date }}

Our reference: {{ person.reference }}{% if person.home_office_reference %}
Home Office reference: {{ person.home_office_reference }}{% endif %}

{{ person.full_name }}
{{ person.address }}

Dear {{ person.full_name }},

Thank you for your correspondence, which we have received and placed on your record.

We will reply in full within 5 working days. Please quote the reference above in any letter or email to us.

Yours sincerely,

{{ letter.sender_name }}
{{ letter.sender_team }}""",
    ),
    (
        "failure-to-report-warning",
        "Failure to report: warning letter",
        "Warns that a reporting event was missed and sets out what happens if it happens again",
        """{{ letter.date }}

Our reference: {{ person.reference }}{% if person.home_office_reference %}
Home Office reference: {{ person.home_office_reference }}{% endif %}

{{ person.full_name }}
{{ person.address }}

Dear {{ person.full_name }},

Failure to report{% if extra.missed_on %} on {{ extra.missed_on }}{% endif %}

Our records show that you did not report as required by the conditions of your immigration bail.

Reporting is a condition of your bail. If you fail to report again without a reasonable excuse, you may be detained, and your failure to comply may be taken into account in decisions about your case.

If there was a reason you could not report, such as illness, tell us within 7 days and send any evidence you have.

Yours sincerely,

{{ letter.sender_name }}
{{ letter.sender_team }}""",
    ),
    (
        "reporting-restriction-change",
        "Notice of change to reporting restrictions",
        "Tells the person that their reporting conditions have changed",
        """{{ letter.date }}

Our reference: {{ person.reference }}{% if person.home_office_reference %}
Home Office reference: {{ person.home_office_reference }}{% endif %}

{{ person.full_name }}
{{ person.address }}

Dear {{ person.full_name }},

Notice of change to your reporting conditions

The conditions of your immigration bail have been changed. From {{ extra.effective_from or letter.date }} you must report {{ extra.frequency or "as set out below" }}{% if extra.location %} at {{ extra.location }}{% endif %}.

All your other bail conditions stay the same. If you do not comply with your conditions you may be detained.

Yours sincerely,

{{ letter.sender_name }}
{{ letter.sender_team }}""",
    ),
]


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    now = timezone.now()
    for key, name, description, body in TEMPLATES:
        LetterTemplate.objects.get_or_create(
            key=key,
            version=1,
            defaults={"name": name, "description": description, "body": body, "created_at": now},
        )


def unseed(apps, schema_editor):
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    LetterTemplate.objects.filter(
        key__in=[t[0] for t in TEMPLATES], version=1, letters__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
