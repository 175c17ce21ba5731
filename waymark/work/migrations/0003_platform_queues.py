"""The platform's own queues exist in every deployment, not only with demo data.

Correspondence that cannot be matched, replies to general enquiries and people whose ownership is
unclear must always have somewhere to go (brief platform §2–§3). They start with the records team;
an administrator can move a queue to another team."""

from django.db import migrations

RECORDS_TEAM = ("records", "Records and linkage", "Records")
PLATFORM_QUEUES = [
    ("correspondence", "Correspondence replies"),
    ("correspondence-match-needed", "Correspondence to match to a person"),
    ("ownership-to-decide", "Ownership to decide"),
]


def queues_create(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Queue = apps.get_model("work", "Queue")
    slug, name, unit = RECORDS_TEAM
    team = Team.objects.filter(slug=slug).first() or Team.objects.filter(name=name).first()
    if team is None:
        team = Team.objects.create(slug=slug, name=name, unit=unit)
    for queue_slug, queue_name in PLATFORM_QUEUES:
        Queue.objects.get_or_create(slug=queue_slug, defaults={"name": queue_name, "team": team})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("work", "0002_task_waiting_reason"),
    ]

    operations = [migrations.RunPython(queues_create, migrations.RunPython.noop)]
