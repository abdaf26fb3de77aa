from __future__ import annotations

from tests.api.conftest import api  # noqa: F401  (fixture for test_api.py)
from tests.email.conftest import mail_settings  # noqa: F401  (fixture for test_email.py)
