"""Who may import whom (docs/architecture.md), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "coproduce"
DOMAIN_APPS = {
    "communities",
    "ledger",
    "exchanges",
    "messaging",
    "notifications",
    "coproduction",
    "assets",
    "governance",
    "impact",
    "federation",
}
WRITE_METHODS = {
    "save",
    "create",
    "bulk_create",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
}


def modules():
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from coproduce.communities import selectors` imports coproduce.communities.selectors;
            # `from coproduce.communities.models import Person` imports ...models.
            if node.module.count(".") >= 2:
                names.add(node.module)
            else:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("coproduce.")}


def imported_relatively(path: Path, tree: ast.AST) -> set[str]:
    """`from ..ops import demo` in coproduce/web/views/x.py imports coproduce.ops.demo."""
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = list(package[: len(package) - (node.level - 1)])
            if node.module:
                names.add(".".join([*base, node.module]))
            else:
                names.update(".".join([*base, alias.name]) for alias in node.names)
    return names


def app_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def test_it_keeps_core_free_of_domain_apps():
    offenders = [
        (str(path), name)
        for path, tree in modules()
        if app_of(path) == "core"
        for name in imported(tree)
        if name.split(".")[1] in DOMAIN_APPS | {"web", "api"}
    ]
    assert offenders == []


def test_it_keeps_web_and_api_apart():
    offenders = []
    for path, tree in modules():
        app = app_of(path)
        other = {"web": "api", "api": "web"}.get(app)
        if other:
            offenders += [(str(path), n) for n in imported(tree) if n.split(".")[1] == other]
    assert offenders == []


def test_it_lets_domain_apps_use_each_other_only_through_services_and_selectors():
    allowed = {"services", "selectors", "access", "errors", "rules"}
    offenders = []
    for path, tree in modules():
        app = app_of(path)
        if app not in DOMAIN_APPS:
            continue
        for name in imported(tree):
            parts = name.split(".")
            if (
                parts[1] in DOMAIN_APPS
                and parts[1] != app
                and (len(parts) < 3 or parts[2] not in allowed)
            ):
                offenders.append((str(path), name))
    assert offenders == []


def test_it_lets_nothing_import_ops():
    """`ops` (the commands, the demo, seeding, the timed jobs' schedule) operates the product:
    it calls the apps, and no app, face or the CLI wrapper calls it."""
    offenders = [
        (str(path), name)
        for path, tree in modules()
        if app_of(path) != "ops"
        for name in imported(tree) | imported_relatively(path, tree)
        if name.split(".")[1:2] == ["ops"]
    ]
    assert offenders == []


def test_it_keeps_writes_out_of_web_and_api():
    """Views and API routes call services; they never save, create, update or delete rows."""
    offenders = []
    for path, tree in modules():
        if app_of(path) not in {"web", "api"}:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITE_METHODS
                and isinstance(node.func.value, (ast.Attribute, ast.Call))
                and "objects" in ast.unparse(node.func.value)
            ):
                offenders.append(f"{path}:{node.lineno} {ast.unparse(node)[:80]}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "save"
            ):
                offenders.append(f"{path}:{node.lineno} {ast.unparse(node)[:80]}")
    assert offenders == []


# Forms by area ---------------------------------------------------------------------------------

WEB = ROOT / "web"


def web_form_classes() -> set[type]:
    """Every form class defined in coproduce.web, with all of its modules imported."""
    import importlib
    import pkgutil

    from django import forms

    import coproduce.web

    for module in pkgutil.walk_packages(coproduce.web.__path__, "coproduce.web."):
        importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("coproduce.web."):
                found.add(sub)
    return found


def test_it_keeps_forms_in_web_forms_one_module_per_area():
    """A form lives in web/forms/<area>.py beside web/views/<area>.py (common.py holds what areas
    share); a view module imports its forms and defines none, not even inside a function."""
    offenders = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in web_form_classes()
        if not cls.__module__.startswith("coproduce.web.forms.")
    )
    for path in sorted((WEB / "views").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ClassDef) and any(
                "Form" in ast.unparse(base) or ast.unparse(base).startswith("forms.")
                for base in node.bases
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
    views = {path.stem for path in (WEB / "views").glob("*.py")}
    offenders += [
        f"{path.relative_to(ROOT)} has no web/views/{path.name}"
        for path in sorted((WEB / "forms").glob("*.py"))
        if path.stem not in views | {"__init__", "common"}
    ]
    assert offenders == []


def test_it_gives_every_web_form_its_own_name():
    """Two forms called the same (two `RoleForm`s) read alike in a view and a traceback: name a
    form by what it is (`MemberRoleForm`, `CoproductionRoleForm`)."""
    where: dict[str, list[str]] = {}
    for cls in web_form_classes():
        where.setdefault(cls.__name__, []).append(cls.__module__)
    assert {name: sorted(modules) for name, modules in where.items() if len(modules) > 1} == {}
