"""What a district decision needs (a note, a department) is defined once, in
``sync.district.decisions.STATUS_NEEDS``: ``Decisions.set_status`` enforces it and the
console's up-front check (``decision_problem``) reads the same rules (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from sync.district import decisions
from sync.district.console.cases import decision_problem
from sync.district.console.views import ACTIONS
from sync.district.decisions import Decisions
from sync.district.errors import Refused

DEPARTMENTS = ["区民政局"]


class _Checked(Exception):
    """set_status got past its rules and reached for the database."""


class _NoDatabase:
    def write(self) -> Any:
        raise _Checked


def _storage_refuses(status: str, note: str, department: str) -> str | None:
    """The field set_status refuses for (None: its rules let the decision through)."""
    try:
        Decisions(_NoDatabase(), None).set_status(  # type: ignore[arg-type]
            "00000000-0000-0000-0000-000000000000", status, note=note,
            department=department or None)
    except Refused as exc:
        return str(exc).split(":")[0]
    except _Checked:
        return None
    raise AssertionError("set_status neither refused nor wrote")  # pragma: no cover


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("note", ["", "材料不全"])
@pytest.mark.parametrize("department", ["", DEPARTMENTS[0]])
def test_the_console_asks_what_the_storage_needs(action: str, note: str,
                                                 department: str) -> None:
    problem = decision_problem(action, note, department, DEPARTMENTS)
    assert (problem[0] if problem else None) == _storage_refuses(ACTIONS[action][0], note,
                                                                 department)


def test_the_rules_are_read_from_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """A status that came to need a note would need it in the console too."""
    monkeypatch.setitem(decisions.STATUS_NEEDS, "completed", "note")
    assert _storage_refuses("completed", "", "") == "note"
    problem = decision_problem("complete", "", "", DEPARTMENTS)
    assert problem is not None and problem[0] == "note"
