"""A 2027 arrangement shaped like a State Council notice, for tests (test data: the real
notice for 2027 is whatever the district publishes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

FESTIVALS_2027 = [
    {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03", "workdays": []},
    {"name": "春节", "start": "2027-02-05", "end": "2027-02-13",
     "workdays": ["2027-01-31", "2027-02-20"]},
    {"name": "清明节", "start": "2027-04-03", "end": "2027-04-05", "workdays": []},
    {"name": "劳动节", "start": "2027-05-01", "end": "2027-05-05",
     "workdays": ["2027-04-25", "2027-05-08"]},
    {"name": "端午节", "start": "2027-06-09", "end": "2027-06-09", "workdays": []},
    {"name": "中秋节", "start": "2027-09-15", "end": "2027-09-15", "workdays": []},
    {"name": "国庆节", "start": "2027-10-01", "end": "2027-10-07",
     "workdays": ["2027-09-26", "2027-10-09"]},
]
SOURCE_2027 = "国办发明电〔2026〕9号（2026年11月12日）"


def notice_2027(**changes: Any) -> dict[str, Any]:
    """The 2027 notice as ``calendar publish --file`` reads it."""
    from forms.calendar import notice_from_festivals

    body = notice_from_festivals(2027, SOURCE_2027, FESTIVALS_2027)
    body.update(changes)
    return body


@pytest.fixture
def package_without_2027(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``chinesecalendar`` package as 1.11 has it (2004–2026), whichever release is
    installed: these tests are about a year no package knows yet."""
    import forms.calendar as fc

    real = fc.from_package
    monkeypatch.setattr(fc, "from_package", lambda year: None if year >= 2027 else real(year))
    fc.default_calendar.cache_clear()
    yield
    fc.default_calendar.cache_clear()
