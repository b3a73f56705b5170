"""Role names live in portal/security/ only: everything else asks the scope or the role tables there.

A plain grep for "admin" or "service_user" also finds the company (the glossary's service user) and a menu group,
so this reads the code: a comparison of a `role` with a role name, a collection of role names, or a `role=` argument
naming one, anywhere in portal/ (except security/ and the demo), callbacks/, layouts/ or jobs/.
"""
from __future__ import annotations

import ast
from pathlib import Path

from portal.security.permissions import ROLES

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("portal", "callbacks", "layouts", "jobs")
EXEMPT = (ROOT / "portal" / "security", ROOT / "portal" / "demo")


def _names_role(node: ast.AST) -> bool:
    """A role name as a string, or a tuple/list/set holding one."""
    if isinstance(node, ast.Constant):
        return node.value in ROLES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_role(element) for element in node.elts)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("frozenset", "set", "tuple"):
        return any(_names_role(argument) for argument in node.args)
    return False


def _is_role(node: ast.AST) -> bool:
    """`x.role`, `role`, `_role(x)`, or `getattr(x, "role", …)`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "role"
    if isinstance(node, ast.Name):
        return node.id == "role"
    if isinstance(node, ast.Call):
        if getattr(node.func, "id", None) == "_role":
            return True
        return getattr(node.func, "id", None) == "getattr" and len(node.args) > 1 \
            and isinstance(node.args[1], ast.Constant) and node.args[1].value == "role"
    return False


def role_name_uses(source: str) -> list[int]:
    """Line numbers where the code decides something by a role's name."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_role(side) for side in sides) and any(_names_role(side) for side in sides):
                lines.append(node.lineno)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            if sum(isinstance(e, ast.Constant) and e.value in ROLES for e in node.elts) >= 2:
                lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg == "role" and _names_role(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.arguments):
            defaults = node.defaults + [d for d in node.kw_defaults if d is not None]
            names = [a.arg for a in node.args + node.kwonlyargs]
            if "role" in names and any(_names_role(d) for d in defaults):
                lines.append(defaults[0].lineno)
    return sorted(set(lines))


def test_no_role_names_outside_security():
    found = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if any(path.is_relative_to(exempt) for exempt in EXEMPT):
                continue
            found += [f"{path.relative_to(ROOT)}:{line}" for line in role_name_uses(path.read_text(encoding="utf-8"))]
    assert not found, f"role names outside portal/security/ (ask the scope instead): {found}"


def test_the_check_finds_what_it_looks_for():
    """So the test above cannot pass by seeing nothing."""
    assert role_name_uses('if user.role == "admin":\n    pass\n') == [1]
    assert role_name_uses('x = viewer.role not in ("admin", "operator")\n') == [1]
    assert role_name_uses('EDITORS = frozenset({"admin", "operator"})\n') == [1]
    assert role_name_uses('User(name="x", role="service_user")\n') == [1]
    assert role_name_uses('def f(role="admin"):\n    pass\n') == [1]
    assert role_name_uses('row = {"service_user": company.name}\nkind = "admin"\n') == []
