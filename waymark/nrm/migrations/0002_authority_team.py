"""Create the competent authority's team so a fresh database can take a referral."""

from django.db import migrations


def create_team(apps, schema_editor):
    team_model = apps.get_model("accounts", "Team")
    team_model.objects.get_or_create(
        slug="competent-authority",
        defaults={
            "name": "Competent authority (modern slavery)",
            "unit": "Single competent authority",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("nrm", "0001_initial")]

    operations = [migrations.RunPython(create_team, migrations.RunPython.noop)]
