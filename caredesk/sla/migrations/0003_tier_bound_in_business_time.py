"""Tier bounds count business time of the case's calendar (issue 15).

Existing tier rules keep their numbers and become business-time bounds (``bound_clock``
defaults to ``business``; pick *round the clock* for a 24/7 tier). The waiting cases
that have a bound get their queue keys recomputed by the SLA app's ``refresh_cases``
task, enqueued here in batches (the worker runs it after the migration).
"""

import django.core.validators
from django.db import migrations, models

from caredesk.sla import tasks

BATCH = 500


def recompute_waiting_cases(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    ids = list(
        Ticket.objects.using(schema_editor.connection.alias)
        .filter(queue_aging_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return
    # The task runs the current code, after migrate has finished.
    for start in range(0, len(ids), BATCH):
        tasks.refresh_cases.enqueue(ids[start : start + BATCH])


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0002_notifications_to_core'),
        ('tickets', '0008_drop_duplicate_indexes'),
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
    ]

    operations = [
        migrations.AddField(
            model_name='tierrule',
            name='bound_clock',
            field=models.CharField(choices=[('business', "Business time of the case's calendar"), ('wall', 'Round the clock (24/7)')], default='business', help_text="Business time: only the open hours of the case's calendar count (nights, weekends and holidays do not). Round the clock: every minute counts.", max_length=8, verbose_name='maximum wait counts'),
        ),
        migrations.AlterField(
            model_name='tierrule',
            name='max_wait_minutes',
            field=models.PositiveIntegerField(blank=True, help_text="A case of this tier that has waited this long is served before any newer case. Counted in business minutes of the case's calendar (the calendar of its SLA policy, like its SLA targets): 240 is 4 business hours, so a case that arrives at 16:00 on a 09:00-17:00 calendar reaches it at 12:00 the next working day. Choose round the clock below for a 24/7 tier.", null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(525600)], verbose_name='maximum wait (minutes)'),
        ),
        migrations.RunPython(recompute_waiting_cases, migrations.RunPython.noop, elidable=True),
    ]
