"""The demo desk has shared saved views, visible to their teams only."""

from __future__ import annotations

from caredesk.demo.views import VIEWS
from caredesk.savedviews.models import SavedView, Visibility
from caredesk.savedviews.selectors import visible_views

from .conftest import run_demo


def test_the_demo_has_shared_views_for_their_teams(loaded):
    views = list(SavedView.objects.select_related("team", "owner"))
    assert len(views) == len(VIEWS)
    for view in views:
        assert view.visibility == Visibility.TEAM
        assert view in visible_views(view.owner)
    assert run_demo(if_empty=False, seed=2).code == 0
    assert SavedView.objects.count() == len(VIEWS)
