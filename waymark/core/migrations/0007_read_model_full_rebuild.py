from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_read_model_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="readmodelstate",
            name="full_as_of",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="readmodelstate",
            name="full_ms",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
