"""Starter action types and limits (see caredesk.escalations.defaults). Admins change
them in Admin › Action types."""

from django.db import migrations


def seed(apps, schema_editor):
    from caredesk.escalations.defaults import seed as seed_defaults

    seed_defaults(apps.get_model("escalations", "ActionType"), apps.get_model("escalations", "AuthorityLimit"))


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
