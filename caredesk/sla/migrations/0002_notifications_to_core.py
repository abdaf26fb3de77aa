"""SLA notices become core notifications (the notification center); the table goes."""

from django.conf import settings
from django.db import migrations

KINDS = {"warning": "sla_warning", "breach": "sla_breach", "assigned": "sla_assigned"}
LABELS = {"warning": "SLA warning", "breach": "SLA breach", "assigned": "Assigned automatically"}


def forwards(apps, schema_editor):
    SlaNotification = apps.get_model("sla", "SlaNotification")
    Notification = apps.get_model("core", "Notification")
    batch = []
    rows = SlaNotification.objects.select_related("ticket").order_by("id").iterator(chunk_size=2000)
    for row in rows:
        ticket = row.ticket
        reference = f"{settings.CAREDESK_REFERENCE_PREFIX}-{ticket.pk + 1000}"
        subject = f"[{reference}] {LABELS.get(row.kind, row.kind)}: {ticket.subject}"
        batch.append(
            Notification(
                recipient_id=row.user_id,
                kind=KINDS.get(row.kind, "sla_warning"),
                ticket_id=row.ticket_id,
                subject=" ".join(subject.split())[:255],
                body=row.text,
                link=f"/cases/{row.ticket_id}/",
                created_at=row.created_at,
                read_at=row.read_at,
                # Their mail went out when they were made.
                emailed_at=row.created_at,
            )
        )
        if len(batch) >= 2000:
            Notification.objects.bulk_create(batch)
            batch = []
    Notification.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("core", "0003_notifications"),
        ("tickets", "0003_sla_deadlines"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="SlaNotification"),
    ]
