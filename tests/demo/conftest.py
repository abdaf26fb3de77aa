from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from caredesk.demo.loader import load_demo
from caredesk.escalations.defaults import seed as seed_action_types
from caredesk.escalations.models import ActionType, AuthorityLimit
from tests.conftest import NOW


@dataclass
class Loaded:
    code: int
    output: str


def run_demo(cases: int = 20, seed: int = 1, if_empty: bool = False) -> Loaded:
    out = io.StringIO()
    # The migration seeds these; a transactional test that ran earlier on this worker
    # flushed them, as an empty database would not be after `caredesk migrate`.
    seed_action_types(ActionType, AuthorityLimit)
    code = load_demo(cases=cases, if_empty=if_empty, seed=seed, now=NOW, out=out)
    return Loaded(code, out.getvalue())


@pytest.fixture
def loaded(db) -> Loaded:
    """The demo desk with the stories and 20 generated cases."""
    result = run_demo()
    assert result.code == 0, result.output
    return result
