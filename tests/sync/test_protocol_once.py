"""Each enumeration of the wire contract is written once in sync/protocol/ (issue 13):
a Literal the models check is never also spelled out as a tuple of the same values (the
tuple comes from it with get_args)."""

from __future__ import annotations

import ast
from pathlib import Path

PROTOCOL = Path(__file__).parents[2] / "sync" / "protocol"  # the package: every part


def _strings(node: ast.expr) -> tuple[str, ...] | None:
    elts = node.elts if isinstance(node, ast.Tuple) else [node]
    if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
        return tuple(sorted(str(e.value) for e in elts))  # type: ignore[attr-defined]
    return None


def test_no_enumeration_is_written_twice() -> None:
    trees = [ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted(PROTOCOL.glob("*.py"))]
    assert len(trees) > 1
    literals = {}
    for node in (node for tree in trees for node in ast.walk(tree)):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == "Literal"):
            values = _strings(node.slice)
            if values is not None and len(values) > 1:
                literals[values] = node.lineno
    tuples = {}
    for node in (node for tree in trees for node in tree.body):
        target = node.targets[0] if isinstance(node, ast.Assign) else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(target, ast.Name) and isinstance(value, ast.Tuple):
            values = _strings(value)
            if values is not None:
                tuples[values] = target.id
    twice = {tuples[v]: literals[v] for v in tuples if v in literals}
    assert twice == {}, f"spelled out again beside a Literal (line): {twice}"
