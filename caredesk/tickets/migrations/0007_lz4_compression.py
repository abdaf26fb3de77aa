from django.db import migrations

from caredesk.core.compression import use_lz4


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_ticket_next_promise_due_at")]

    operations = [
        use_lz4(
            ("tickets_message", "body"),
            ("tickets_message", "body_html"),
            ("tickets_ticket", "original_request"),
            ("tickets_searchentry", "content"),
        )
    ]
