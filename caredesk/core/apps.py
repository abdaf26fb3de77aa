from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed


def _rewire(*, setting: str, **kwargs: Any) -> None:
    # Imported here: the models are not ready while apps load.
    if setting in ("CAREDESK_EVENT_REACTIONS", "CAREDESK_EVENT_CONSUMERS"):
        from caredesk.core import events

        events.reset_wiring()
    if setting == "CAREDESK_DEADLINES":
        from caredesk.core import deadlines

        deadlines.reset()


class CoreConfig(AppConfig):
    name = "caredesk.core"
    label = "core"
    verbose_name = "caredesk core"

    def ready(self) -> None:
        # Tests that override the wiring settings get it re-read.
        setting_changed.connect(_rewire, dispatch_uid="caredesk.core.events.rewire")
