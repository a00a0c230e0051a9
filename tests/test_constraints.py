"""Installs are reproducible: the README's commands, .ci/run and the district's install.sh
install the versions in constraints.txt, and every dependency the project declares is
pinned there (a dependency added to pyproject.toml without `.ci/update-constraints` fails
here, before a fresh machine installs whatever is newest that day)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+!\-]+)", line)
        assert m, f"constraints.txt: not an exact pin: {line!r}"
        pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = _pins()
    for spec in declared:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside {req.specifier}")
    # the district server's own list installs from the same pins
    for line in (ROOT / "installer" / "district" / "requirements-server.txt").read_text(
            "utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            assert canonicalize_name(Requirement(line).name) in pins, line


def test_known_bad_combination_is_not_pinned() -> None:
    """pytest 9.2 with schemathesis 4.32 fails at collection in a fresh environment."""
    pins = _pins()
    assert not (pins["pytest"].startswith("9.2") and pins["schemathesis"].startswith("4.32"))


def test_every_install_command_uses_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    commands = re.findall(r"^python3 -m pip install .*$", readme, re.M)
    assert len(commands) == 2, commands
    assert all("-c constraints.txt" in c for c in commands), commands
    run = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "-c constraints.txt -e '.[test]' && python3 -m pytest" in run
    install = (ROOT / "installer" / "district" / "install.sh").read_text("utf-8")
    assert install.count('-c "$HERE/constraints.txt"') == 2
    build = (ROOT / "installer" / "build_district.sh").read_text("utf-8")
    assert "cp constraints.txt" in build
