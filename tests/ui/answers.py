"""The worker's answers for tests, passed into the window as its
:class:`desk.ui.services.Dialogs` (not patched over a method at run time)."""

from __future__ import annotations

from collections.abc import Sequence

from desk.ui.services import QtDialogs


class Answers:
    """Answers without a dialog box. ``leave``: the answer to "leave without saving?";
    ``choice``: the answer to a choice. ``None`` puts the real question (a test that
    presses the dialog's keys itself)."""

    def __init__(self, *, leave: bool | None = True, choice: str | None = None) -> None:
        self.leave = leave
        self.choice = choice
        self.real = QtDialogs()
        self.asked: list[str] = []  # every question put, in order

    def confirm_leave(self, text: str) -> bool:
        self.asked.append(text)
        return self.real.confirm_leave(text) if self.leave is None else self.leave

    def choose(self, title: str, label: str, options: Sequence[str]) -> str | None:
        self.asked.append(label)
        return self.real.choose(title, label, options) if self.choice is None else self.choice

    def critical(self, title: str, text: str) -> None:
        self.asked.append(text)
