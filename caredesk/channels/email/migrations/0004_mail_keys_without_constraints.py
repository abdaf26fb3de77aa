"""The outbox moves to core (core.0002_outbox_from_email). First its keys to cases,
messages, people and raw mail lose their database constraints (their columns and indexes
stay): core sits below those apps, so from then on they are plain indexed ids."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("email", "0003_drop_duplicate_indexes"),
        ("tickets", "0003_sla_deadlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboundemail",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="outbound_emails",
                to="tickets.message",
            ),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="mailtemplate",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="emaillink",
            name="message",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="email_links",
                to="tickets.message",
            ),
        ),
        migrations.AlterField(
            model_name="emaillink",
            name="ticket",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="emaillink",
            name="raw",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="email.rawmessage",
            ),
        ),
    ]
