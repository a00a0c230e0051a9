"""The SQLCipher binding built from source (installer/sqlcipher_shared.py, issue 19) for the
compat build: against OpenSSL 1.1 (Debian 11's, in the compat bundle) SQLCipher's EVP_MAC
HMAC function is replaced by the HMAC_CTX one (installer/sqlcipher_hmac_openssl11.c).

The databases must stay the same files: a desk moved from one build to the other, or a
folder restored from a backup, opens with the same key. Built here against this machine's
OpenSSL 3 (where HMAC_CTX still exists), the replaced module and the wheel's module open
each other's databases; the compat build's smoke test (installer/smoke_compat.sh:
``protect``, the window unlocked) runs it against OpenSSL 1.1.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "installer"))
try:
    import sqlcipher_shared
finally:
    sys.path.remove(str(REPO / "installer"))

OPENSSL_11 = '# define OPENSSL_VERSION_NUMBER  0x101010ffL\n# define OPENSSL_VERSION_TEXT "OpenSSL 1.1.1w"\n'
OPENSSL_3 = "# define OPENSSL_VERSION_MAJOR  3\n# define OPENSSL_VERSION_MINOR  0\n"


def test_headers_version_picks_the_hmac(tmp_path: Path) -> None:
    for text, expected in ((OPENSSL_11, False), (OPENSSL_3, True)):
        (tmp_path / "opensslv.h").write_text(text, encoding="utf-8")
        assert sqlcipher_shared.headers_are_openssl3(tmp_path / "opensslv.h") is expected


def test_hmac_swap_refuses_an_unexpected_source(tmp_path: Path) -> None:
    source = tmp_path / "sqlite3.c"
    source.write_bytes(b"static int sqlcipher_openssl_hmac(void) { return 0; }\n"
                       b"static int sqlcipher_openssl_kdf(void) { return 0; }\n")
    with pytest.raises(RuntimeError, match="not as expected"):
        sqlcipher_shared.use_hmac_ctx(source)
    assert b"HMAC_CTX" not in source.read_bytes()


# one program for both modules: writes a database with the key, or reads one back
PROGRAM = r"""
import sys
import sqlcipher3
from sqlcipher3 import dbapi2
print(sqlcipher3._sqlite3.__file__ if hasattr(sqlcipher3, "_sqlite3") else dbapi2.__file__)
action, path, key = sys.argv[1:4]
con = dbapi2.connect(path)
con.execute("PRAGMA key = '%s'" % key)
if action == "write":
    con.execute("CREATE TABLE t (name TEXT)")
    con.executemany("INSERT INTO t VALUES (?)", [("张三",), ("李四",)] * 500)
    con.commit()
else:
    try:
        rows = con.execute("SELECT name FROM t ORDER BY rowid LIMIT 2").fetchall()
        count = con.execute("SELECT count(*) FROM t").fetchone()[0]
        print("rows", rows, count)
    except dbapi2.DatabaseError as exc:
        print("refused", exc)
"""


@pytest.mark.slow
def test_hmac_ctx_module_reads_and_writes_the_wheels_databases(tmp_path: Path) -> None:
    wheel = pytest.importorskip("sqlcipher3")
    for tool in ("cc", "objdump"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not sqlcipher_shared.OPENSSLV.is_file():
        pytest.skip("OpenSSL's headers are not installed (libssl-dev)")
    archive = sqlcipher_shared.cache_root() / sqlcipher_shared.ARCHIVE
    if not archive.is_file():
        pytest.skip(f"{archive} is not downloaded (python installer/sqlcipher_shared.py "
                    "fetches it; tests use no network)")
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy2(archive, cache / archive.name)
    built = sqlcipher_shared.build(cache, hmac_ctx=True)
    assert built is not None
    imports = subprocess.run(["objdump", "-T", str(built)], check=True, capture_output=True,
                             text=True).stdout
    assert "HMAC_Init_ex" in imports and "EVP_MAC_fetch" not in imports, imports

    # the wheel's package with the built module in place of its own
    package = tmp_path / "swapped" / "sqlcipher3"
    shutil.copytree(Path(wheel.__file__).parent, package,
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    shutil.copy2(built, package / built.name)

    def run(swapped: bool, *args: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
        if swapped:
            env["PYTHONPATH"] = str(package.parent)
        out = subprocess.run([sys.executable, "-c", PROGRAM, *args], check=True,
                             capture_output=True, text=True, env=env, timeout=120).stdout
        lines = out.splitlines()
        assert lines[0].startswith(str(package)) is swapped, lines[0]
        return "\n".join(lines[1:])

    expected = "rows [('张三',), ('李四',)] 1000"
    run(False, "write", str(tmp_path / "wheel.db"), "k1")
    run(True, "write", str(tmp_path / "built.db"), "k2")
    assert run(True, "read", str(tmp_path / "wheel.db"), "k1") == expected
    assert run(False, "read", str(tmp_path / "built.db"), "k2") == expected
    # a wrong key is refused, as by the wheel's module (the HMAC check)
    assert run(True, "read", str(tmp_path / "wheel.db"), "k2").startswith("refused")
