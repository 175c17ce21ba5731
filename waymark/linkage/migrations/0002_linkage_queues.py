"""The linkage queues exist in every deployment, not only with demo data."""

from django.db import migrations

TEAM = ("records", "Records and linkage", "Records")
QUEUES = [
    ("linkage-review", "Record linkage: clerical review"),
    ("linkage-bulk-check", "Record linkage: police bulk-check matches"),
]


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Queue = apps.get_model("work", "Queue")
    slug, name, unit = TEAM
    team = (
        Team.objects.filter(slug=slug).first()
        or Team.objects.filter(name=name).first()
        or Team.objects.create(slug=slug, name=name, unit=unit)
    )
    for queue_slug, queue_name in QUEUES:
        Queue.objects.get_or_create(slug=queue_slug, defaults={"name": queue_name, "team": team})


class Migration(migrations.Migration):
    dependencies = [
        ("linkage", "0001_initial"),
        ("work", "0001_initial"),
        ("accounts", "0001_initial"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
