# Issue 18 item 7: the linkage:match scope (the help text lists every scope).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_operations_notification_scope"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clientcredential",
            name="scopes",
            field=models.JSONField(
                default=list,
                help_text="Any of: persons:read, persons:write, tasks:read, tasks:write, correspondence:read, correspondence:write, monitoring:read, operations:notifications, linkage:match",
            ),
        ),
    ]
