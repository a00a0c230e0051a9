"""The SQLCipher binding built against the bundle's shared OpenSSL (Linux builds; issue 19).

The ``sqlcipher3`` wheel's extension module (8.4 MB) links SQLCipher *and a private copy
of OpenSSL's libcrypto* statically. The bundle already carries the shared libcrypto that
Python's ``ssl`` and ``hashlib`` use, so this builds the same extension from the same
release's source distribution (``sqlcipher3-<VERSION>.tar.gz``: the binding's C sources
and SQLCipher's amalgamation ``vendor/sqlite3.c``, checked against its SHA-256) with the
compile-time options of its ``setup.py`` (the same SQLCipher, the same defaults: page size,
KDF, FTS5, JSON …), linked with ``-lcrypto``, compiled ``-Os`` with only the module's init exported: 1.2 MB. Databases are the
same SQLCipher 4 files either way (``tests/installer`` opens the desk's store with it).

The source distribution comes through pip (``pip download --no-binary``, in a throw-away
virtual environment that has ``wheel``, because the package's metadata step needs it); the
result is cached under ``$DOORSTEP_BUILD_CACHE`` (default ``build/cache``), keyed by the
archive, the options, and the Python and OpenSSL it was built for. Needs ``cc`` and
OpenSSL's headers (Debian: ``libssl-dev``) and Python's; without them :func:`build`
returns ``None`` and the build keeps the wheel's module.

SQLCipher 4.19 computes its page HMAC with OpenSSL 3's ``EVP_MAC``. Against OpenSSL 1.1
(the compat build's Debian 11 root, whose Python and bundle carry libcrypto 1.1) that one
function is replaced by ``installer/sqlcipher_hmac_openssl11.c``: the same HMAC through
``HMAC_CTX``, so the same database files (``tests/installer/test_sqlcipher_shared.py``).

Used by ``doorstep-desk.spec``; by hand: ``python installer/sqlcipher_shared.py [CACHE]``
prints the built module's path.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.6.4"  # constraints.txt's sqlcipher3
SHA256 = "b02a3edfc554c9197d63ab4c38a30f7682eec65b10e5be2c9285a0d6ffb7a29a"
ARCHIVE = f"sqlcipher3-{VERSION}.tar.gz"
# sqlcipher3's setup.py (define_macros), and one more
DEFINES = [
    'MODULE_NAME="sqlcipher3.dbapi2"', "SQLITE_ENABLE_FTS3=1",
    "SQLITE_ENABLE_FTS3_PARENTHESIS=1", "SQLITE_ENABLE_FTS4=1", "SQLITE_ENABLE_FTS5=1",
    "SQLITE_ENABLE_JSON1=1", "SQLITE_ENABLE_LOAD_EXTENSION=1", "SQLITE_ENABLE_RTREE=1",
    "SQLITE_ENABLE_STAT4=1", "SQLITE_ENABLE_UPDATE_DELETE_LIMIT=1", "SQLITE_SOUNDEX=1",
    "SQLITE_USE_URI=1", "SQLITE_HAS_CODEC=1", "SQLITE_TEMP_STORE=2", "SQLITE_THREADSAFE=1",
    "SQLITE_EXTRA_INIT=sqlcipher_extra_init", "SQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown",
    "HAVE_STDINT_H=1", "SQLITE_MAX_VARIABLE_NUMBER=250000", "SQLITE_DEFAULT_PAGE_SIZE=4096",
    "SQLITE_DEFAULT_CACHE_SIZE=-8000", "inline=__inline",
    # as quiet as the wheel's module: a wrong key is an exception, not lines on stderr
    "SQLCIPHER_LOG_LEVEL_DEFAULT=SQLCIPHER_LOG_NONE",
]
# -Os, and only PyInit__sqlite3 exported: SQLite's API functions the binding never calls
# are dropped by the linker (and none can be bound in place of the stdlib's libsqlite3)
CFLAGS = ["-shared", "-fPIC", "-Os", "-fvisibility=hidden", "-ffunction-sections",
          "-fdata-sections", "-Wl,--gc-sections"]
REPO = Path(__file__).resolve().parent.parent
MODULE = "_sqlite3" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
OPENSSLV = Path("/usr/include/openssl/opensslv.h")
# SQLCipher's HMAC function for OpenSSL 1.1 (no EVP_MAC), put in place of the EVP_MAC one
HMAC_CTX_SOURCE = REPO / "installer" / "sqlcipher_hmac_openssl11.c"
HMAC_START = b"static int sqlcipher_openssl_hmac("
HMAC_END = b"static int sqlcipher_openssl_kdf("


def cache_root() -> Path:
    return Path(os.environ.get("DOORSTEP_BUILD_CACHE") or REPO / "build" / "cache")


def _key(hmac_ctx: bool) -> str:
    parts = [VERSION, SHA256, *DEFINES, *CFLAGS, MODULE, sys.version, ssl.OPENSSL_VERSION]
    if hmac_ctx:
        parts.append(hashlib.sha256(HMAC_CTX_SOURCE.read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def headers_are_openssl3(opensslv: Path = OPENSSLV) -> bool:
    """True when the OpenSSL headers are 3.x (or later): SQLCipher's EVP_MAC code builds."""
    text = opensslv.read_text(encoding="utf-8", errors="replace")
    major = re.search(r"#\s*define\s+OPENSSL_VERSION_MAJOR\s+(\d+)", text)
    return bool(major and int(major[1]) >= 3)


def use_hmac_ctx(sqlite3_c: Path) -> None:
    """Replace SQLCipher's EVP_MAC HMAC function in ``sqlite3_c`` by the HMAC_CTX one
    (OpenSSL 1.1); a source that does not look as expected raises rather than builds."""
    text = sqlite3_c.read_bytes()
    start, end = text.find(HMAC_START), text.find(HMAC_END)
    call = b"EVP_MAC_fetch(NULL"
    if (text.count(HMAC_START) != 1 or not 0 <= start < end
            or text.count(call) != 1 or call not in text[start:end]):
        raise RuntimeError(f"{sqlite3_c}: SQLCipher's EVP_MAC HMAC function not as expected")
    sqlite3_c.write_bytes(text[:start] + HMAC_CTX_SOURCE.read_bytes() + text[end:])


def _sdist(cache: Path) -> Path:
    """The source distribution, downloaded once and verified (a wrong checksum raises)."""
    archive = cache / ARCHIVE
    if not archive.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            venv = Path(tmp) / "venv"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "-q",
                   "--disable-pip-version-check"]
            subprocess.run([*pip, "install", "wheel", "setuptools"], check=True)
            subprocess.run([*pip, "download", "--no-deps", "--no-binary", "sqlcipher3",
                            "--no-build-isolation", "-d", tmp, f"sqlcipher3=={VERSION}"],
                           check=True)
            shutil.copy2(Path(tmp) / ARCHIVE, cache / (ARCHIVE + ".part"))
        (cache / (ARCHIVE + ".part")).replace(archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        archive.unlink()
        raise RuntimeError(f"{ARCHIVE}: SHA-256 {digest}, expected {SHA256}")
    return archive


def build(cache: Path | None = None, hmac_ctx: bool | None = None) -> Path | None:
    """The built extension module (once per cache); None when a tool or header is
    missing or the source distribution cannot be had. ``hmac_ctx``: SQLCipher's HMAC
    through HMAC_CTX (use_hmac_ctx); by default when the OpenSSL headers are older than 3."""
    cache = cache or cache_root()
    cc = shutil.which("cc") or shutil.which("gcc")
    include = Path(sysconfig.get_paths()["include"])
    if cc is None or not (include / "Python.h").is_file():
        print("sqlcipher_shared: cc and Python's headers are needed")
        return None
    if not (Path("/usr/include/openssl/evp.h").is_file() and OPENSSLV.is_file()):
        print("sqlcipher_shared: OpenSSL's headers are needed (libssl-dev)")
        return None
    if hmac_ctx is None:
        hmac_ctx = not headers_are_openssl3()
    out = cache / f"sqlcipher3-{VERSION}-{_key(hmac_ctx)}" / MODULE
    if out.is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    try:
        archive = _sdist(cache)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"sqlcipher_shared: no source distribution ({exc})")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive) as tar:
            # the archive's SHA-256 was checked; Python before 3.11.4 (the compat build's
            # Debian 3.11.2) has no extraction filters
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)
        src = Path(tmp) / f"sqlcipher3-{VERSION}"
        sources = sorted(str(p) for p in (src / "src").glob("*.c"))
        # HMAC_CTX is deprecated (not removed) in OpenSSL 3: quiet when built there (tests)
        extra = ["-Wno-deprecated-declarations"] if hmac_ctx else []
        if hmac_ctx:
            use_hmac_ctx(src / "vendor" / "sqlite3.c")
        nice = ["nice", "-n", "19"] if shutil.which("nice") else []
        built = Path(tmp) / MODULE
        subprocess.run([*nice, cc, *CFLAGS, *extra, "-I", str(src / "src"), "-I", str(include),
                        *(f"-D{d}" for d in DEFINES), *sources, str(src / "vendor" / "sqlite3.c"),
                        "-o", str(built), "-lm", "-lcrypto"], check=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, out.with_suffix(".part"))
        out.with_suffix(".part").replace(out)
    return out


if __name__ == "__main__":
    done = build(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(done or "not built (cc, headers or the source distribution missing)")
    sys.exit(0 if done else 1)
