"""The outbox's models are core's now (core.0002_outbox_from_email): forget them here.
Tables and rows are untouched; bounces point at the same table, now core's model."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("email", "0004_mail_keys_without_constraints"),
        ("core", "0002_outbox_from_email"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="bounce",
                    name="outbound",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="bounces",
                        to="core.outboundemail",
                    ),
                ),
                migrations.DeleteModel(name="OutboundEmail"),
                migrations.DeleteModel(name="MailTemplate"),
                migrations.DeleteModel(name="AutoReplyLog"),
                migrations.DeleteModel(name="EmailLink"),
            ],
        ),
    ]
