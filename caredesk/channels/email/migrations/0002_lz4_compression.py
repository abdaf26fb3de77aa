from django.db import migrations

from caredesk.core.compression import use_lz4


class Migration(migrations.Migration):
    dependencies = [("email", "0001_initial")]

    operations = [
        use_lz4(
            ("email_rawmessage", "raw"),
            ("email_emaillink", "quoted_text"),
        )
    ]
