"""The outbox, mail templates, the automatic-reply ledger and the Message-ID links become
core's models. Their tables and rows stay as they are (``email_*``, kept by db_table):
this migration only moves them in Django's state. The email channel's 0004 dropped the
constraints of their keys first; its 0005 forgets the models on its side.

The dependency on the email app's migration is about order only (its tables must exist
before core takes them over); no code in core imports the channel."""

import django.utils.timezone
from django.db import migrations, models

OUTBOUND_KINDS = [
    ("reply", "Public reply"),
    ("ack", "Acknowledgement"),
    ("notice", "Notice to a sender"),
    ("notify", "Staff notification"),
    ("signin", "Sign-in link"),
]
OUTBOUND_STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("retrying", "Retrying"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
    ("suppressed", "Not sent"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("email", "0004_mail_keys_without_constraints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=OUTBOUND_KINDS, max_length=8)),
                        ("to", models.CharField(max_length=254)),
                        ("from_email", models.CharField(max_length=320)),
                        ("subject", models.CharField(max_length=255)),
                        ("text", models.TextField()),
                        ("html", models.TextField(blank=True)),
                        ("rfc_message_id", models.CharField(max_length=255, unique=True)),
                        ("headers", models.JSONField(blank=True, default=dict)),
                        ("message_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("ticket_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("state", models.CharField(choices=OUTBOUND_STATES, default="queued", max_length=10)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "email_outboundemail",
                        "ordering": ("-created_at", "-id"),
                        "indexes": [models.Index(fields=["state", "next_attempt_at"], name="outbound_due")],
                    },
                ),
                migrations.CreateModel(
                    name="MailTemplate",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=20, unique=True)),
                        ("subject", models.CharField(blank=True, help_text="Django template; empty keeps the built-in subject. The case token [CD-…] is always kept so replies find their case.", max_length=255)),
                        ("text", models.TextField(help_text="Plain-text body (Django template syntax).")),
                        ("html", models.TextField(blank=True, help_text="Optional HTML body (Django template syntax).")),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_by_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                    ],
                    options={"db_table": "email_mailtemplate", "ordering": ("name",)},
                ),
                migrations.CreateModel(
                    name="AutoReplyLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("address", models.CharField(max_length=254, unique=True)),
                        ("last_sent_at", models.DateTimeField()),
                        ("count", models.PositiveIntegerField(default=0)),
                    ],
                    options={"db_table": "email_autoreplylog"},
                ),
                migrations.CreateModel(
                    name="EmailLink",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("message_id", models.BigIntegerField(db_index=True)),
                        ("ticket_id", models.BigIntegerField(db_index=True)),
                        ("rfc_message_id", models.CharField(max_length=255)),
                        ("direction", models.CharField(choices=[("in", "Inbound"), ("out", "Outbound")], max_length=3)),
                        ("in_reply_to", models.CharField(blank=True, max_length=255)),
                        ("references", models.TextField(blank=True)),
                        ("from_address", models.CharField(blank=True, max_length=254)),
                        ("quoted_text", models.TextField(blank=True)),
                        ("signature", models.TextField(blank=True)),
                        ("raw_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "email_emaillink",
                        "indexes": [models.Index(fields=["rfc_message_id"], name="emaillink_message_id")],
                    },
                ),
            ],
        ),
        # Every built-in mail is editable now, and some names are longer than 20.
        migrations.AlterField(
            model_name="mailtemplate",
            name="name",
            field=models.CharField(max_length=60, unique=True),
        ),
    ]
