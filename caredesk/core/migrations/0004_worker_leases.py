"""Worker leases and done-once effect claims (caredesk/core/leases.py, once.py).

On PostgreSQL also a partial index on the task queue's RUNNING rows, which recovery
scans every minute (django-tasks-db indexes only the READY ones there; on SQLite its
index on status already serves)."""

from django.db import migrations, models

RUNNING_INDEX = "caredesk_tasks_running_idx"
TASK_TABLE = "django_tasks_database_dbtaskresult"


def add_running_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {RUNNING_INDEX} ON {TASK_TABLE} (started_at) "
        "WHERE status = 'RUNNING'"
    )


def drop_running_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {RUNNING_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_notifications"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.CreateModel(
            name="EffectClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                ("claimed_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("key",), name="unique_effect_claim")
                ],
            },
        ),
        migrations.CreateModel(
            name="WorkerLease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("worker_id", models.CharField(max_length=64)),
                ("host", models.CharField(max_length=255)),
                ("pid", models.PositiveIntegerField()),
                ("started_at", models.DateTimeField()),
                ("heartbeat_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("worker_id",), name="unique_worker_lease")
                ],
            },
        ),
        migrations.RunPython(add_running_index, drop_running_index, elidable=True),
    ]
