"""The EM Hub's team, queues and letters exist in every deployment, not only with demo data."""

from django.db import migrations
from django.utils import timezone

TEAM = ("em-hub", "Electronic monitoring hub", "Electronic monitoring")
QUEUES = [
    ("em-hub-fitting", "Electronic monitoring hub: fitting"),
    ("em-hub-breaches", "Electronic monitoring hub: breaches"),
    ("em-hub-reviews", "Electronic monitoring hub: reviews and challenges"),
    ("em-hub-trail-data", "Electronic monitoring hub: trail-data requests"),
]
HEADER = """{{ letter.date }}

Our reference: {{ person.reference }}{% if person.home_office_reference %}
Home Office reference: {{ person.home_office_reference }}{% endif %}

{{ person.full_name }}
{{ person.address }}

Dear {{ person.full_name }},

"""
FOOTER = """

Yours sincerely,

{{ letter.sender_name }}
{{ letter.sender_team }}"""
LETTERS = [
    (
        "em-bail-204-warning",
        "BAIL 204: electronic monitoring breach warning",
        "First actionable breach: tells the person what was reported and asks for any explanation",
        HEADER
        + """Breach of your electronic monitoring condition

Our monitoring supplier has told us that on {{ extra.breach_date }} you breached the electronic monitoring condition of your immigration bail ({{ extra.breach_type }}).

Electronic monitoring is a condition of your bail. If you had a reasonable excuse, tell us within 7 days and send any evidence you have. We will consider what you tell us and write to you with our decision.

If you breach your conditions again, you will receive a final warning, and you may be considered for prosecution."""
        + FOOTER,
    ),
    (
        "em-final-warning",
        "Electronic monitoring: final warning",
        "Second actionable breach: final warning before consideration for prosecution",
        HEADER
        + """Final warning: breach of your electronic monitoring condition

Our monitoring supplier has told us that on {{ extra.breach_date }} you breached the electronic monitoring condition of your immigration bail again ({{ extra.breach_type }}).

This is a final warning. If you breach your conditions again, or tamper with or damage your device, you will be considered for prosecution for breach of bail conditions.

If you had a reasonable excuse, tell us within 7 days and send any evidence you have."""
        + FOOTER,
    ),
]


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Queue = apps.get_model("work", "Queue")
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    slug, name, unit = TEAM
    team = Team.objects.filter(slug=slug).first() or Team.objects.filter(name=name).first()
    if team is None:
        team = Team.objects.create(slug=slug, name=name, unit=unit)
    for queue_slug, queue_name in QUEUES:
        Queue.objects.get_or_create(slug=queue_slug, defaults={"name": queue_name, "team": team})
    now = timezone.now()
    for key, title, description, body in LETTERS:
        LetterTemplate.objects.get_or_create(
            key=key,
            version=1,
            defaults={"name": title, "description": description, "body": body, "created_at": now},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("accounts", "0001_initial"),
        ("work", "0004_queue_active_priority_index"),
        ("documents", "0002_seed_letter_templates"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
