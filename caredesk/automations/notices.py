"""The notification kind automations use to tell someone about a case."""

from __future__ import annotations

from caredesk.core import notifications

KIND = "automation"

notifications.register_kind(notifications.Kind(KIND, "Automation notice", group="Cases"))
