"""Criminal casework's shared queues exist in every deployment, not only with demo data."""

from django.db import migrations

TEAMS = [
    ("criminal-casework-liverpool", "Criminal casework Liverpool", "Criminal casework"),
    ("criminal-casework-leeds", "Criminal casework Leeds", "Criminal casework"),
    ("removals", "Removals and detention gatekeeping", "Returns"),
]
QUEUES = [
    ("casework-intake", "Criminal casework: intake (new referrals)", "criminal-casework-liverpool"),
    ("trace-and-locate", "Trace and locate", "criminal-casework-liverpool"),
    ("removals-gatekeeping", "Removals: detention gatekeeping", "removals"),
]


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Queue = apps.get_model("work", "Queue")
    teams = {}
    for slug, name, unit in TEAMS:
        teams[slug] = (
            Team.objects.filter(slug=slug).first()
            or Team.objects.filter(name=name).first()
            or Team.objects.create(slug=slug, name=name, unit=unit)
        )
    for slug, name, team_slug in QUEUES:
        Queue.objects.get_or_create(slug=slug, defaults={"name": name, "team": teams[team_slug]})


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("work", "0001_initial"),
        ("accounts", "0001_initial"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
