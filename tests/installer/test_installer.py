"""The Linux installer end to end (issue 8): build the PyInstaller bundle and the .deb once,
install the .deb into scratch roots, and run the installed program — offscreen — the way a
worker and support staff would: demo cases, the case list, a receipt PDF, and the window.

Like qutebrowser's release build (scripts/dev/build_release.py), the frozen program must
not print unexpected warnings: a missing Qt plugin, font or data file shows up on stderr
long before a worker sees it.

Slow (about two minutes: PyInstaller dominates). Needs PyInstaller (the test extra),
dpkg-deb, objdump; skipped elsewhere (Windows builds are checked by review, see
installer/windows/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux installer"),
]

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "doorstep-desk"
# stderr lines the frozen program may print; anything else fails the test.
ALLOWED_STDERR = [
    # Qt's offscreen platform cannot honour window size hints (not an app problem)
    re.compile(r"This plugin does not support propagateSizeHints\(\)"),
]


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the bundle and the .deb once per session."""
    pytest.importorskip("PyInstaller")
    for tool in ("dpkg-deb", "objdump", "readelf", "strip"):
        _need(tool)
    out = tmp_path_factory.mktemp("installer-build")
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
         str(REPO / "installer" / "doorstep-desk.spec")],
        check=True, cwd=REPO, timeout=1800)  # the first build compiles FFmpeg, SQLCipher
    bundle = out / "dist" / PACKAGE
    deb = subprocess.run(
        [sys.executable, str(REPO / "installer" / "build_deb.py"), "--fast",
         "--bundle", str(bundle), "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=600).stdout.strip()
    return {"bundle": bundle, "deb": Path(deb)}


@pytest.fixture(scope="session")
def installed(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb unpacked into a scratch root (``dpkg-deb -x``)."""
    root = tmp_path_factory.mktemp("scratch-root")
    subprocess.run(["dpkg-deb", "-x", str(built["deb"]), str(root)], check=True)
    return root


def _env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    (home / "runtime").mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "DOORSTEP_", "QT_", "LD_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_RUNTIME_DIR=str(home / "runtime"), QT_QPA_PLATFORM="offscreen",
               LC_ALL="C.UTF-8", TZ="Asia/Shanghai")
    return env


def _run(exe: Path, *args: str, env: dict[str, str], timeout: float = 120
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    unexpected = [line for line in proc.stderr.splitlines()
                  if line.strip() and not any(p.search(line) for p in ALLOWED_STDERR)]
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stderr}"
    assert not unexpected, f"{args}: unexpected stderr:\n" + "\n".join(unexpected)
    return proc


def test_deb_metadata_and_layout(built: dict[str, Path], installed: Path) -> None:
    info = subprocess.run(["dpkg-deb", "-f", str(built["deb"])], check=True,
                          capture_output=True, text=True).stdout
    from desk import __version__

    assert f"Package: {PACKAGE}" in info
    assert f"Version: {__version__}" in info
    assert "libxcb1" in info and "libc6" in info  # Depends derived from the bundle
    # glibc and libstdc++ at least as new as what the bundled Qt needs (GLIBC_x.y symbols)
    libc = re.search(r"libc6 \(>= ([\d.]+)\)", info)
    assert libc and re.search(r"libstdc\+\+6 \(>= [\d.]+\)", info), info
    qt_core = next(installed.rglob("libQt6Core.so.6"))
    refs = subprocess.run(["objdump", "-p", str(qt_core)], check=True, capture_output=True,
                          text=True).stdout
    qt_needs = max(tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([\d.]+)", refs))
    assert tuple(map(int, libc[1].split("."))) >= qt_needs
    exe = installed / "opt" / PACKAGE / PACKAGE
    assert exe.is_file() and os.access(exe, os.X_OK)
    link = installed / "usr" / "bin" / PACKAGE
    assert link.is_symlink() and os.readlink(link) == f"/opt/{PACKAGE}/{PACKAGE}"
    desktop = (installed / "usr/share/applications" / f"{PACKAGE}.desktop").read_text("utf-8")
    assert "Name=家门口办事台" in desktop and f"Icon={PACKAGE}" in desktop
    assert f"Exec={PACKAGE}" in desktop
    assert (installed / f"usr/share/icons/hicolor/256x256/apps/{PACKAGE}.png").is_file()
    assert (installed / f"usr/share/icons/hicolor/scalable/apps/{PACKAGE}.svg").is_file()
    internal = installed / "opt" / PACKAGE / "_internal"
    # the fonts xz-packed (issue 19's size budget), every one of them
    for rel in ("resources/fonts/wqy-microhei.ttc.xz", "resources/fonts/LICENSE-wqy-microhei.txt",
                "resources/fonts/doorstep-han-fallback.ttf.xz",
                "resources/fonts/doorstep-han-fallback-2.ttf.xz",
                "resources/styles/base.qss", "forms/catalog.yaml",
                "resources/translations/qtbase_zh_CN.qm",  # Qt's dialogs in Chinese
                # bilingual receipts (issue 16): the Yi font and the words they read
                "resources/fonts/NotoSansYi-Regular.ttf.xz",
                "resources/fonts/LICENSE-noto-sans-yi.txt",
                "resources/translations/doorstep_en.ts"):
        assert (internal / rel).is_file(), rel
    assert list((internal / "forms" / "items").glob("*.yaml"))
    assert not list((internal / "resources" / "fonts").glob("*.tt[fc]"))
    # nothing the desk does not use: Qt Quick and QML only as the camera plugin's small
    # stand-ins (doorstep-desk.spec: add_stand_ins)
    for lib in [*internal.rglob("*Qt6Qml*"), *internal.rglob("*Qt6Quick*")]:
        assert re.match(r"^libQt6(Quick|Qml[A-Za-z]*)\.so\.6$", lib.name), lib
        assert lib.stat().st_size < 64_000, lib
    assert not list(internal.rglob("*WebEngine*"))
    assert not (internal / "sync" / "district").exists()
    # pypinyin's phrase dictionary (the desk reads single characters) and Pillow's own
    # libxcb/libXau (a stub loads the system libxcb instead: doorstep-desk.spec)
    assert not list(internal.rglob("phrases_dict*"))
    if shutil.which("cc") or shutil.which("gcc"):  # the stub is built with cc
        assert not list(internal.rglob("libXau*"))
        stub = next((internal / "pillow.libs").glob("libxcb-*.so*"))
        assert stub.stat().st_size < 64_000
        assert "[libxcb.so.1]" in subprocess.run(["readelf", "-d", str(stub)], check=True,
                                                 capture_output=True, text=True).stdout
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    postrm = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(built["deb"])], check=True,
                            capture_output=True).stdout
    assert b"NOT removed" in postrm  # postrm says worker data is kept


def test_installed_app_renders_a_receipt(installed: Path, tmp_path: Path) -> None:
    exe = installed / "opt" / PACKAGE / PACKAGE
    env = _env(tmp_path)
    data = tmp_path / "desk-data"
    demo = json.loads(_run(exe, "--data-dir", str(data), "demo", "--cases", "3",
                           "--seed", "8", env=env).stdout)
    assert demo["created"] == 3
    cases = json.loads(_run(exe, "--data-dir", str(data), "cases", "--json", env=env).stdout)
    assert len(cases) == 3
    catalog = json.loads(_run(exe, "--data-dir", str(data), "catalog", "--json",
                              env=env).stdout)
    assert len(catalog) >= 50
    for fmt in ("a4", "80mm"):
        pdf = tmp_path / f"receipt-{fmt}.pdf"
        out = json.loads(_run(exe, "--data-dir", str(data), "receipt", cases[0]["uuid"],
                              "--out", str(pdf), "--format", fmt, env=env).stdout)
        assert out["receipt_no"] == cases[0]["receipt_no"]
        assert pdf.read_bytes().startswith(b"%PDF-")
        from pypdf import PdfReader

        text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
        assert cases[0]["receipt_no"] in text.replace(" ", "").replace("\n", "")
    # the packed main font was unpacked once into the worker's cache, byte for byte
    unpacked = list((tmp_path / "home" / "cache" / "doorstep-desk" / "resources")
                    .glob("*/wqy-microhei.ttc"))
    assert len(unpacked) == 1
    assert unpacked[0].read_bytes() == (REPO / "resources/fonts/wqy-microhei.ttc").read_bytes()


def test_installed_receipt_prints_rare_name_characters(installed: Path, tmp_path: Path) -> None:
    """A name with CJK Extension G and H characters (王𰻞𲎯) prints from the packed second
    fallback font: unpacked into the worker's cache and embedded in the receipt."""
    exe = installed / "opt" / PACKAGE / PACKAGE
    env = _env(tmp_path)
    data = tmp_path / "desk-data"
    _run(exe, "--data-dir", str(data), "setup", "--desk-code", "HY-QL01", "--worker",
         "测试员", env=env)
    catalog = json.loads(_run(exe, "--data-dir", str(data), "catalog", "--json",
                              env=env).stdout)
    item = next(i for i in catalog if i.get("example") and "applicant_name" in i["example"]
                and i.get("kind") == "on_the_spot" and not i.get("bundle"))
    case_json = tmp_path / "case.json"
    case_json.write_text(json.dumps({**item["example"], "applicant_name": "王\U00030EDE\U000323AF"},
                                    ensure_ascii=False), "utf-8")
    case = json.loads(_run(exe, "--data-dir", str(data), "new", "--item", item["code"],
                           "--json", str(case_json), env=env).stdout)
    pdf = tmp_path / "rare.pdf"
    _run(exe, "--data-dir", str(data), "receipt", case["uuid"], "--out", str(pdf),
         "--format", "a4", env=env)
    from pypdf import PdfReader

    fonts = {str(f.get_object()["/BaseFont"]) for page in PdfReader(pdf).pages
             for f in page["/Resources"]["/Font"].values()}
    assert any(f.endswith("+DoorstepHanFallback2") for f in fonts), fonts
    cache = tmp_path / "home" / "cache" / "doorstep-desk" / "resources"
    unpacked = next(cache.glob("*/doorstep-han-fallback-2.ttf"))
    want = REPO / "resources" / "fonts" / "doorstep-han-fallback-2.ttf"
    assert unpacked.stat().st_size == want.stat().st_size


def _demo_case_and_material(exe: Path, data: Path, env: dict[str, str]
                            ) -> tuple[dict[str, Any], str]:
    """A demo case made by the installed desk in ``data``, and its item's first material."""
    _run(exe, "--data-dir", str(data), "demo", "--cases", "1", "--seed", "8", env=env)
    case = json.loads(_run(exe, "--data-dir", str(data), "cases", "--json", env=env).stdout)[0]
    catalog = json.loads(_run(exe, "--data-dir", str(data), "catalog", "--json",
                              env=env).stdout)
    item = next(i for i in catalog if i["code"] == case["item_code"])
    material = item["materials"][0]
    return case, material["name"] if isinstance(material, dict) else material


def test_installed_attach_counts_pdf_pages(installed: Path, tmp_path: Path) -> None:
    """A PDF attached to a case has its pages counted by pypdf in the bundle, which has no
    fontTools (doorstep-desk.spec excludes it: pypdf needs it only to extract text)."""
    exe, env, data = installed / "opt" / PACKAGE / PACKAGE, _env(tmp_path), tmp_path / "desk-data"
    case, material = _demo_case_and_material(exe, data, env)
    pdf = tmp_path / "receipt.pdf"
    _run(exe, "--data-dir", str(data), "receipt", case["uuid"], "--out", str(pdf),
         "--format", "a4", env=env)
    out = json.loads(_run(exe, "--data-dir", str(data), "attach", case["receipt_no"],
                          material, str(pdf), env=env).stdout)
    assert [a["pages"] for a in out["attachments"]] == [1]
    assert out["attachments"][0]["mime"] == "application/pdf"
    assert not list((installed / "opt" / PACKAGE / "_internal").rglob("fontTools"))


def test_installed_attach_normalises_images(installed: Path, tmp_path: Path) -> None:
    """Photos and scans (JPEG, PNG, BMP, TIFF) attached in the bundle become JPEG pages:
    Pillow there has only the formats the desk opens (doorstep-desk.spec: PIL_PLUGINS_KEPT)
    and a stand-in for its JPEG 2000 library, which answers only the version query."""
    from PIL import Image

    exe, env, data = installed / "opt" / PACKAGE / PACKAGE, _env(tmp_path), tmp_path / "desk-data"
    case, material = _demo_case_and_material(exe, data, env)
    images = []
    for fmt in ("JPEG", "PNG", "BMP", "TIFF"):
        images.append(tmp_path / f"page.{fmt.lower()}")
        Image.new("RGB", (2400, 1800), (10, 200, 30)).save(images[-1], fmt)
    out = json.loads(_run(exe, "--data-dir", str(data), "attach", case["receipt_no"],
                          material, *map(str, images), env=env).stdout)
    assert [a["mime"] for a in out["attachments"]] == ["image/jpeg"] * 4


def test_bundle_within_size_budget(built: dict[str, Path]) -> None:
    """The unpacked bundle ≤ 120 MB (issue 19), as the folder and as the .deb installs it."""
    sys.path.insert(0, str(REPO / "installer"))
    try:
        import bundle_size
    finally:
        sys.path.remove(str(REPO / "installer"))
    folder = sum(bundle_size.files_of(built["bundle"]).values())
    assert sum(bundle_size.files_of(built["deb"]).values()) == folder
    assert folder <= bundle_size.budget_bytes(120), f"{folder:,} bytes > 120 MB"


def test_bundle_swaps_ffmpeg_and_sqlcipher(built: dict[str, Path]) -> None:
    """The two builds from source (installer/ffmpeg_min.py, sqlcipher_shared.py) are in
    the bundle: a silent fallback to the wheels' copies shows here, not only as size."""
    internal = built["bundle"] / "_internal"
    avcodec = internal / "PySide6" / "Qt" / "lib" / "libavcodec.so.61"
    assert avcodec.stat().st_size < 1_000_000, avcodec.stat().st_size
    assert not list(internal.rglob("libQt6FFmpegStub-*"))  # only the wheels' FFmpeg needs them
    module = next((internal / "sqlcipher3").glob("_sqlite3*.so"))
    dynamic = subprocess.run(["readelf", "-d", str(module)], check=True, capture_output=True,
                             text=True).stdout
    assert "[libcrypto.so.3]" in dynamic, dynamic
    assert module.stat().st_size < 2_000_000, module.stat().st_size


def test_bundle_size_check_bites(built: dict[str, Path]) -> None:
    """installer/bundle_size.py (build_linux.sh, the compat build and its smoke test run it)
    fails one byte over the budget and passes at it."""
    script = REPO / "installer" / "bundle_size.py"
    sys.path.insert(0, str(REPO / "installer"))
    try:
        import bundle_size
    finally:
        sys.path.remove(str(REPO / "installer"))
    folder = sum(bundle_size.files_of(built["bundle"]).values())
    for target in (built["bundle"], built["deb"]):
        over = subprocess.run([sys.executable, str(script), str(target), "--budget-mb",
                               f"{(folder - 1) / 1e6}"], capture_output=True, text=True)
        assert over.returncode == 1 and "OVER the budget" in over.stdout, over.stdout
        at = subprocess.run([sys.executable, str(script), str(target), "--budget-mb",
                             f"{folder / 1e6}"], capture_output=True, text=True)
        assert at.returncode == 0 and f"{folder:,} bytes" in at.stdout, at.stdout


def test_installed_camera_backend_loads(installed: Path, tmp_path: Path) -> None:
    """The capture dialog's camera: Qt Multimedia with its FFmpeg plugin loads in the bundle
    (the plugin's Qt Quick/QML libraries are stand-ins), with no warning."""
    exe = installed / "opt" / PACKAGE / PACKAGE
    env = _env(tmp_path)
    env["DOORSTEP_SMOKE_CAMERA"] = "1"
    proc = _run(exe, env=env, timeout=120)
    assert "camera backend: ffmpeg" in proc.stdout, proc.stdout


def test_installed_search_by_pinyin_initials(installed: Path, tmp_path: Path) -> None:
    """Search by pinyin initials (pypinyin in the bundle without its phrase dictionary)
    finds the same cases as the unbundled code on the same seeded demo data."""
    from desk.core.store import name_initials

    exe = installed / "opt" / PACKAGE / PACKAGE
    env = _env(tmp_path)
    source = [sys.executable, "-c", "import sys; from desk.cli import main; sys.exit(main())"]
    source_env = {**env, "PYTHONPATH": str(REPO)}

    def cases(prog: list[str], prog_env: dict[str, str], data: Path, *args: str
              ) -> list[tuple[str, str]]:
        out = json.loads(_run(Path(prog[0]), *prog[1:], "--data-dir", str(data), "cases",
                              *args, "--json", env=prog_env).stdout)
        return sorted((c["applicant_name"], c["item_code"]) for c in out)

    for prog, prog_env, data in (([str(exe)], env, tmp_path / "bundled"),
                                 (source, source_env, tmp_path / "source")):
        _run(Path(prog[0]), *prog[1:], "--data-dir", str(data), "demo", "--cases", "20",
             "--seed", "8", env=prog_env)
    everyone = cases([str(exe)], env, tmp_path / "bundled")
    assert everyone == cases(source, source_env, tmp_path / "source")
    queries = sorted({name_initials(name) for name, _ in everyone})
    assert len(queries) >= 10
    for q in queries:
        found = cases([str(exe)], env, tmp_path / "bundled", "--search", q)
        assert found, q
        assert found == cases(source, source_env, tmp_path / "source", "--search", q), q


def test_trimmed_icu_answers_like_full(built: dict[str, Path]) -> None:
    """The bundle's ICU data (installer/icu_trim.py) gives Qt the same collation, time-zone
    names, case mapping and codecs as the wheel's full data: the probe runs on this
    checkout's PySide6, once with the bundle's libicudata preloaded."""
    if not shutil.which("icupkg") or not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("icupkg or cc missing: the build keeps the full ICU data")
    lib = next((built["bundle"] / "_internal").rglob("libicudata.so.*"))
    probe = [sys.executable, str(Path(__file__).with_name("icu_probe.py"))]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_", "QT_"))}
    full = subprocess.run(probe, env=env, check=True, capture_output=True, text=True)
    trimmed = subprocess.run(probe, env={**env, "LD_PRELOAD": str(lib)}, check=True,
                             capture_output=True, text=True)
    assert not full.stderr and not trimmed.stderr, full.stderr + trimmed.stderr
    want, got = json.loads(full.stdout), json.loads(trimmed.stdout)
    assert want["codec windows-1252"][0] and want["codec GB18030"][0]  # the probe works
    assert got.pop("available codecs") < want.pop("available codecs")  # the preload works
    assert {k: v for k, v in got.items() if v != want[k]} == {}


def test_installed_window_starts(installed: Path, tmp_path: Path) -> None:
    exe = installed / "opt" / PACKAGE / PACKAGE
    env = _env(tmp_path)
    data = tmp_path / "desk-data"
    _run(exe, "--data-dir", str(data), "setup", "--desk-code", "HY-QL01", "--worker",
         "测试员", env=env)
    env["DOORSTEP_SMOKE_EXIT_MS"] = "300"
    proc = _run(exe, "--data-dir", str(data), env=env, timeout=120)
    assert "window shown" in proc.stdout


def test_dpkg_install_upgrade_purge_keeps_worker_data(built: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """dpkg into a scratch root: install, reinstall (upgrade path), purge. The package's
    files go; a worker's data folder stays."""
    _need("dpkg")
    root = tmp_path / "root"
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"):
        (root / d).mkdir(parents=True)
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        (root / f).touch()
    user_data = root / "home/worker/.local/share" / PACKAGE
    user_data.mkdir(parents=True)
    (user_data / "desk.sqlite3").write_bytes(b"cases")
    dpkg = ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
            "--force-not-root", f"--log={root}/var/log/dpkg.log"]
    env = {**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin"}
    for _ in range(2):
        subprocess.run([*dpkg, "-i", str(built["deb"])], check=True, capture_output=True,
                       env=env)
        assert (root / "opt" / PACKAGE / PACKAGE).is_file()
    subprocess.run([*dpkg, "--purge", PACKAGE], check=True, capture_output=True, env=env)
    left = [p for p in (root / "opt").rglob("*")] + [
        p for p in (root / "usr").rglob("*") if not p.is_dir()]
    assert not left, f"left behind: {left[:10]}"
    assert (user_data / "desk.sqlite3").read_bytes() == b"cases"
