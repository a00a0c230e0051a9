"""Rules are parsed on the district's worker threads (50 catalog imports at once): CPython
3.11 before 3.11.8 shares the AST converter's recursion counter between threads, so two
parses at once raised ``SystemError: AST constructor recursion depth mismatch`` — seen
in CI as 2 of 50 simultaneous imports failing. Every parse goes through forms.expr.parse,
which serialises them."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from forms import expr, proactive


class _Finalised:
    """Garbage whose finaliser runs Python code: a collection that starts inside the AST
    converter then hands the interpreter to another thread mid-conversion."""

    other: Any = None

    def __del__(self) -> None:
        total = 0
        for i in range(50):
            total += i


def _cycle() -> None:
    a, b = _Finalised(), _Finalised()
    a.other, b.other = b, a


@pytest.fixture
def switchy() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50, 1, 1)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)
        gc.collect()


TEXT = " and ".join(f"age_on(first_of_month) == ((((gljt_min_age+1)+2)+3)+{i})"
                    for i in range(20))


@pytest.mark.parametrize("parse", [expr.parse,
                                   lambda t: proactive.parse_rule(t, lenient=True)],
                         ids=["check", "proactive"])
def test_rules_parsed_on_eight_threads_at_once(switchy: None,
                                              parse: Callable[[str], Any]) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        for _ in range(100):
            _cycle()
            try:
                parse(TEXT)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)
                return

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
