"""Issue 21 item 6: the console's case search finds what the desk's finds — any part of a
name, ID or phone tails (尾号), pinyin initials, any part of a receipt number that starts or
ends it — on SQLite and PostgreSQL, kept right when a case is renamed, and rebuilt for a
read model made before search terms existed."""

from __future__ import annotations

import copy
import json
from datetime import date

from sqlalchemy import select, text
from test_console_store import _push, _record, cs  # noqa: F401  (the fixture)

from sync.district.console.schema import terms
from sync.district.console.store import CaseFilter, ConsoleStore

DAY = date(2026, 11, 8)


def _case(i: int, name: str, idn: str, phone: str) -> dict:
    r = _record(i, accepted=DAY, idn=idn, phone=phone)
    p = r["payload"]
    p["applicant_name"] = name
    p["data_json"] = json.dumps({"fields": {"applicant_name": name, "applicant_id": idn,
                                            "applicant_phone": phone}}, ensure_ascii=False)
    return r


def _found(cs: ConsoleStore, q: str) -> set[str]:  # noqa: F811
    return {r["applicant_name"] for r in cs.caselist.list_cases(CaseFilter(q=q)).rows}


def test_search_like_the_desk(cs: ConsoleStore) -> None:  # noqa: F811
    recs = [_case(1, "唐玉梅", "42010519450101001X", "13871239188"),
            _case(2, "王玉兰", "420105194502020028", "13900001234"),
            _case(3, "欧阳玉梅", "420105194503030036", "15912349999"),
            *[_case(10 + i, f"李{i}", "420105196001011234", "18800000000") for i in range(600)]]
    _push(cs, recs)
    cs.readmodel.refresh()
    assert _found(cs, "玉梅") == {"唐玉梅", "欧阳玉梅"}  # any part of a name
    assert _found(cs, "玉") == {"唐玉梅", "王玉兰", "欧阳玉梅"}
    assert _found(cs, "唐玉梅") == {"唐玉梅"}
    assert _found(cs, "9188") == {"唐玉梅"}  # phone tail
    assert _found(cs, "39188") == {"唐玉梅"}
    assert _found(cs, "001X") == {"唐玉梅"} == _found(cs, "001x")  # ID tail
    assert _found(cs, "030036") == {"欧阳玉梅"}
    assert _found(cs, "tym") == {"唐玉梅"} == _found(cs, "TYM")  # pinyin initials
    assert _found(cs, "oy") == {"欧阳玉梅"}
    assert _found(cs, "20261108-0001") == {"唐玉梅"}  # the end of a receipt number
    assert _found(cs, "1108-0003") == {"欧阳玉梅"}
    assert _found(cs, "HY-QL01-20261108-0002") == {"王玉兰"}
    assert cs.caselist.list_cases(CaseFilter(q="hy-ql01")).total == 603  # the beginning of one
    assert cs.caselist.list_cases(CaseFilter(q="1234")).total == 601  # tails of ID and phone alike
    assert cs.caselist.list_cases(CaseFilter(q="13871239188")).total == 1  # a full phone
    assert cs.caselist.list_cases(CaseFilter(q="871239")).total == 0  # the middle is not a tail
    # search combines with the other filters and counts
    assert cs.caselist.list_cases(CaseFilter(q="玉", status="completed")).total == 0
    # the stored terms hold digests of the tails, never the digits themselves
    with cs.db.read() as conn:
        stored = conn.execute(select(terms.c.term)).scalars().all()
    assert not [t for t in stored if "9188" in t or "001X" in t]


def test_a_new_revision_changes_what_finds_the_case(cs: ConsoleStore) -> None:  # noqa: F811
    r = _case(1, "唐玉梅", "42010519450101001X", "13871239188")
    _push(cs, [r])
    cs.readmodel.refresh()
    r2 = copy.deepcopy(r)
    r2["revision"] = r2["payload"]["revision"] = 2
    r2["payload"]["applicant_name"] = "唐玉兰"
    r2["payload"]["data_json"] = json.dumps({"fields": {
        "applicant_name": "唐玉兰", "applicant_id": "42010519450101001X",
        "applicant_phone": "13871235555"}}, ensure_ascii=False)
    _push(cs, [r2])
    cs.readmodel.refresh()
    assert _found(cs, "玉兰") == {"唐玉兰"} and _found(cs, "玉梅") == set()
    assert _found(cs, "5555") == {"唐玉兰"} and _found(cs, "9188") == set()
    assert _found(cs, "tyl") == {"唐玉兰"}


def test_a_read_model_built_before_search_is_rebuilt(cs: ConsoleStore) -> None:  # noqa: F811
    _push(cs, [_case(1, "唐玉梅", "42010519450101001X", "13871239188")])
    cs.readmodel.refresh()
    with cs.db.write() as conn:  # as an older version left it: no terms, no search columns
        conn.execute(text("DELETE FROM console_case_terms"))
        conn.execute(text("UPDATE console_cases SET initials = '', receipt_rev = ''"))
        conn.execute(text("DELETE FROM console_state WHERE key = 'search_version'"))
    again = ConsoleStore(cs.db)  # the server starting with the new version
    assert again.readmodel.refresh() == 1
    assert _found(again, "玉梅") == _found(again, "tym") == _found(again, "9188") == {"唐玉梅"}
    assert _found(again, "20261108-0001") == {"唐玉梅"}
