"""Promise notices become core notifications (the notification center); the table goes."""

from django.conf import settings
from django.db import migrations

KINDS = {
    "reminder": "promise_reminder",
    "missed": "promise_missed",
    "escalated": "promise_escalated",
    "handed": "promise_handed",
}
LABELS = {
    "reminder": "Promise due soon",
    "missed": "Promise missed",
    "escalated": "Missed promise escalated to you",
    "handed": "Promise handed to you",
}


def forwards(apps, schema_editor):
    PromiseNotice = apps.get_model("promises", "PromiseNotice")
    Notification = apps.get_model("core", "Notification")
    batch = []
    rows = (
        PromiseNotice.objects.select_related("promise__ticket").order_by("id").iterator(chunk_size=2000)
    )
    for row in rows:
        ticket = row.promise.ticket
        reference = f"{settings.CAREDESK_REFERENCE_PREFIX}-{ticket.pk + 1000}"
        subject = f"[{reference}] {LABELS.get(row.kind, row.kind)}: {ticket.subject}"
        batch.append(
            Notification(
                recipient_id=row.user_id,
                kind=KINDS.get(row.kind, "promise_reminder"),
                ticket_id=ticket.pk,
                subject=" ".join(subject.split())[:255],
                body=row.text,
                link=f"/cases/{ticket.pk}/#promise-{row.promise_id}",
                created_at=row.created_at,
                read_at=row.read_at,
                emailed_at=row.created_at,
            )
        )
        if len(batch) >= 2000:
            Notification.objects.bulk_create(batch)
            batch = []
    Notification.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("promises", "0001_initial"),
        ("core", "0003_notifications"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="PromiseNotice"),
    ]
