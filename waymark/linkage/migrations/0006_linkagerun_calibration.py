# Issue 18 item 5: the run keeps its calibration report (engine.calibration).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("linkage", "0005_linkagerun_training"),
    ]

    operations = [
        migrations.AddField(
            model_name="linkagerun",
            name="calibration",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Per band of match probability: pairs, the model's expected share of matches, the measured share where a truth is known; expected precision and recall at the thresholds (engine.calibration)",
            ),
        ),
    ]
