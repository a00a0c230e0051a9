"""The ID card reader (issue 17): the vendor-SDK driver through ctypes against a small
shared library built here with gcc that implements the same entry points, and the
simulated reader; every failure a plain message; the card's data checked."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from desk.core.idcard import (
    CardReaderError,
    SimulatedReader,
    TermbReader,
    read_card,
    reader_for,
)

TODAY = date(2026, 12, 3)
CARD = {"name": "王桂兰", "sex": "女", "nation": "汉", "birth_date": "19450101",
        "address": "湖北省武汉市汉阳区七里一村12栋3单元502室", "id_number": "420105194501010025",
        "issuer": "武汉市公安局汉阳分局", "valid_from": "20200101", "valid_to": "长期"}

C_SOURCE = r"""
#include <string.h>
static int in_use = 0;
static const char *MODE = "%(mode)s";
static int put(const char *s, char *buf, int *len) {
    int n = (int)strlen(s); if (n > *len) n = *len; memcpy(buf, s, n); *len = n; return 1; }
int CVR_InitComm(int port) { if (!strcmp(MODE, "no_reader") || in_use || port != 1001) return 0;
    in_use = 1; return 1; }
int CVR_CloseComm(void) { in_use = 0; return 1; }
int CVR_Authenticate(void) { return strcmp(MODE, "no_card") ? 1 : 0; }
int CVR_Read_Content(int active) { return strcmp(MODE, "unreadable") ? 1 : 0; }
int GetPeopleName(char *b, int *l) { return put("%(name)s", b, l); }
int GetPeopleSex(char *b, int *l) { return put("%(sex)s", b, l); }
int GetPeopleNation(char *b, int *l) { return put("%(nation)s", b, l); }
int GetPeopleBirthday(char *b, int *l) { return put("%(birth_date)s", b, l); }
int GetPeopleAddress(char *b, int *l) { return put("%(address)s", b, l); }
int GetPeopleIDCode(char *b, int *l) { return put("%(id_number)s", b, l); }
int GetDepartment(char *b, int *l) { return put("%(issuer)s", b, l); }
int GetStartDate(char *b, int *l) { return put("%(valid_from)s", b, l); }
int GetEndDate(char *b, int *l) { return put("%(valid_to)s", b, l); }
int GetBMPData(unsigned char *b, int *l) { return put("BM-photo", (char *)b, l); }
"""


def _c_bytes(text: str) -> str:
    """A C string literal body holding ``text`` in GB 18030, as the SDKs answer."""
    return "".join(f"\\{b:03o}" for b in text.encode("gb18030"))


def _library(tmp_path: Path, mode: str = "ok", **card: str) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:  # the project's CI installs it (.ci/run)
        pytest.fail("gcc is needed to build the test reader library")
    values = {k: _c_bytes(v) for k, v in {**CARD, **card}.items()}
    src = tmp_path / f"termb_{mode}.c"
    src.write_text(C_SOURCE % {"mode": mode, **values}, encoding="ascii")
    lib = tmp_path / f"libtermb_{mode}.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-o", str(lib), str(src)], check=True,
                   timeout=120)
    return lib


def test_the_sdk_driver_reads_a_card(tmp_path: Path) -> None:
    data = read_card(TermbReader(_library(tmp_path)), TODAY)
    assert data.as_dict() == {**CARD, "birth_date": "1945-01-01", "valid_from": "2020-01-01"}
    assert data.photo == b"BM-photo"
    assert not data.expired(TODAY)


@pytest.mark.parametrize("mode,kind", [("no_reader", "no_reader"), ("no_card", "no_card"),
                                       ("unreadable", "unreadable")])
def test_every_sdk_failure_is_a_plain_message(tmp_path: Path, mode: str, kind: str) -> None:
    with pytest.raises(CardReaderError) as err:
        read_card(TermbReader(_library(tmp_path, mode)), TODAY)
    assert err.value.kind == kind
    assert "读卡" in err.value.message or "身份证" in err.value.message
    assert "Error" not in err.value.message and "ctypes" not in err.value.message


def test_a_missing_or_wrong_library_says_so(tmp_path: Path) -> None:
    with pytest.raises(CardReaderError) as err:
        read_card(TermbReader(tmp_path / "libtermb.so"), TODAY)
    assert err.value.kind == "library_missing" and "libtermb.so" in err.value.message
    empty = tmp_path / "empty.c"
    empty.write_text("int nothing(void) { return 0; }\n")
    lib = tmp_path / "libempty.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(lib), str(empty)], check=True,
                   timeout=120)
    with pytest.raises(CardReaderError) as err:
        read_card(TermbReader(lib), TODAY)
    assert err.value.kind == "library_missing"
    with pytest.raises(CardReaderError) as err:
        reader_for("", "")
    assert err.value.kind == "not_configured"


def test_fifty_reads_at_once_take_turns(tmp_path: Path) -> None:
    """The SDKs keep global state (this one refuses a second open while one is in use):
    reads from many threads at once must take turns, never fail."""
    reader = TermbReader(_library(tmp_path))
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda _i: read_card(reader, TODAY).id_number, range(50)))
    assert results == [CARD["id_number"]] * 50


def test_a_card_that_does_not_add_up_is_refused(tmp_path: Path) -> None:
    lib = _library(tmp_path, id_number="420105194501010024")  # wrong check digit
    with pytest.raises(CardReaderError) as err:
        read_card(TermbReader(lib), TODAY)
    assert err.value.kind == "invalid_card" and "校验位" in err.value.message
    lib = _library(tmp_path, mode="ok2", birth_date="19450102")
    with pytest.raises(CardReaderError) as err:
        read_card(TermbReader(lib), TODAY)
    assert "出生日期与身份证号不一致" in err.value.message


def test_the_simulated_reader_and_an_expired_card(tmp_path: Path) -> None:
    f = tmp_path / "card.json"
    f.write_text(json.dumps({**CARD, "valid_from": "2006.05.01", "valid_to": "2026.05.01",
                             "nation": "汉族"}, ensure_ascii=False), encoding="utf-8")
    data = read_card(SimulatedReader(f), TODAY)
    assert data.nation == "汉" and data.valid_to == "2026-05-01"
    assert data.expired(TODAY)  # returned, flagged: the item decides
    for kind in ("no_card", "no_reader", "unreadable"):
        f.write_text(json.dumps({"error": kind}))
        with pytest.raises(CardReaderError) as err:
            read_card(reader_for("simulated", str(f)), TODAY)
        assert err.value.kind == kind
    with pytest.raises(CardReaderError) as err:
        read_card(SimulatedReader(tmp_path / "none.json"), TODAY)
    assert err.value.kind == "no_reader"


@pytest.mark.parametrize("code", ["MZ-GLJT", "CL-HLBT", "GA-JZZQZ"])
def test_a_card_read_fills_the_fields_the_catalog_marks(tmp_path: Path, code: str) -> None:
    """Catalog data, not code: each item's fields say which card datum fills them; the
    values pass the item's own validation, and nothing unmarked is filled."""
    from desk.core.idcard import fill_values
    from forms.catalog import load_catalog
    from forms.engine import validate

    item = load_catalog().get(code)
    marked = {f.key: f.card for f in item.fields if f.card}
    assert {"name", "id_number"} <= set(marked.values())
    data = read_card(TermbReader(_library(tmp_path)), TODAY)
    values = fill_values(item, data)
    assert set(values) == {k for k, datum in marked.items() if getattr(data, datum)}
    assert values[next(k for k, d in marked.items() if d == "id_number")] == CARD["id_number"]
    submission = {**item.example, **values}
    problems = [p for p in validate(item, submission, today=TODAY).errors if p.field in values]
    assert problems == []


def test_the_catalog_refuses_a_card_datum_its_field_cannot_hold() -> None:
    from pydantic import ValidationError

    from forms.model import FieldDef

    FieldDef(key="holder_id", label="身份证号", type="id_number", card="id_number")
    with pytest.raises(ValidationError, match="card id_number cannot fill a phone field"):
        FieldDef(key="contact", label="电话", type="phone", card="id_number")


def test_readcard_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    from desk.cli import main

    data = tmp_path / "desk"
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(CARD, ensure_ascii=False), encoding="utf-8")
    base = ["--data-dir", str(data)]
    assert main([*base, "setup", "--desk-code", "HY-QL01", "--worker", "刘晓燕"]) == 0
    capsys.readouterr()
    assert main([*base, "readcard"]) == 1  # no reader set up yet
    assert "card_reader: [not_configured]" in capsys.readouterr().err
    assert main([*base, "setup", "--desk-code", "HY-QL01", "--worker", "刘晓燕",
                 "--card-reader", "simulated"]) == 2
    assert "card_reader_path: [invalid]" in capsys.readouterr().err
    assert main([*base, "setup", "--desk-code", "HY-QL01", "--worker", "刘晓燕",
                 "--card-reader", "termb", "--card-reader-path", "x.so",
                 "--card-reader-port", "7000"]) == 2
    assert "card_reader_port: [invalid]" in capsys.readouterr().err
    assert main([*base, "setup", "--desk-code", "HY-QL01", "--worker", "刘晓燕",
                 "--card-reader", "simulated", "--card-reader-path", str(card_file)]) == 0
    capsys.readouterr()
    assert main([*base, "readcard", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "王桂兰" and out["id_number"] == "420105********0025"
    assert out["photo"] is False and out["expired"] is False
    card_file.write_text(json.dumps({"error": "no_card"}))
    assert main([*base, "readcard"]) == 1
    assert "读卡器上没有身份证" in capsys.readouterr().err


def test_identity_read_names_only_fields_a_card_can_fill() -> None:
    from forms.catalog import load_catalog
    from forms.engine import validate

    item = load_catalog().get("MZ-GLJT")
    sub = dict(item.example)
    ok = validate(item, {**sub, "identity_read": ["applicant_id"]}, today=TODAY)
    assert ok.ok and ok.identity_read == ["applicant_id"]
    bad = validate(item, {**sub, "identity_read": ["applicant_phone"]}, today=TODAY)
    assert [(p.field, p.rule) for p in bad.errors] == [("identity_read", "type")]



def test_the_cards_own_expiry_goes_with_the_id_number_read() -> None:
    """Issue 23: the card's 有效期止 is kept when the ID number came from the card (reused
    ID card pages expire with it); a bad one is refused naming the rule."""
    from forms.catalog import load_catalog
    from forms.engine import validate

    item = load_catalog().get("MZ-GLJT")
    sub = dict(item.example)
    for to in ("2036-05-01", "长期"):
        ok = validate(item, {**sub, "identity_read": ["applicant_id"],
                             "identity_valid_to": to}, today=TODAY)
        assert ok.ok and ok.identity_valid_to == to
    typed = validate(item, {**sub, "identity_read": ["applicant_name"],
                            "identity_valid_to": "2036-05-01"}, today=TODAY)
    assert typed.ok and typed.identity_valid_to == ""  # the ID number was typed
    bad = validate(item, {**sub, "identity_read": ["applicant_id"],
                          "identity_valid_to": "2036-13-01"}, today=TODAY)
    assert [(p.field, p.rule) for p in bad.errors] == [("identity_valid_to", "type")]
    assert "有效期止" in bad.errors[0].message
