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


# Faces, private names and the app graph (issue 11 part 6) -------------------------------------
#
# Each checker takes `(path, tree)` pairs, path relative to coproduce/ ("web/views/x.py"), and
# returns what breaks its rule, so that the tests at the end can feed it a small source that
# breaks the rule on purpose and see it reported.

APPS = ("core", "communities", "ledger", "exchanges", "messaging", "notifications")
APPS += ("coproduction", "governance", "ops", "web", "api")
FACES = {"web", "api"}
FACE_MAY_IMPORT = {"services", "selectors", "access", "errors", "models"}


def sources() -> list[tuple[str, ast.AST]]:
    return [(str(path.relative_to(ROOT)), tree) for path, tree in modules()]


def parsed(files: dict[str, str]) -> list[tuple[str, ast.AST]]:
    return [(name, ast.parse(text)) for name, text in files.items()]


def bindings(path: str, tree: ast.AST) -> list[tuple[str, str, int]]:
    """(what is imported, as a dotted name; the local name it is bound to; line) for every import
    in the module, inside functions too, relative ones resolved. `from coproduce.a.b import c as
    d` gives ("coproduce.a.b.c", "d"); `import coproduce.a.b as m` gives ("coproduce.a.b", "m")."""
    package = ["coproduce", *Path(path).with_suffix("").parts[:-1]]
    if Path(path).name == "__init__.py":
        package = ["coproduce", *Path(path).parts[:-1]]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, alias.asname or alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                found.append((f"{module}.{alias.name}", alias.asname or alias.name, node.lineno))
    return [(name, local, line) for name, local, line in found if name.startswith("coproduce.")]


def app_of_path(path: str) -> str:
    return Path(path).parts[0] if len(Path(path).parts) > 1 else ""


def face_import_offenders(files) -> list[str]:
    """web and api import from a domain app only its services, selectors, access, errors and
    models (for choices, enums and type names: no ORM reads, see below)."""
    offenders = []
    for path, tree in files:
        if app_of_path(path) not in FACES:
            continue
        for name, _local, line in bindings(path, tree):
            parts = name.split(".")
            if parts[1] in DOMAIN_APPS and (len(parts) < 3 or parts[2] not in FACE_MAY_IMPORT):
                offenders.append(f"{path}:{line} imports {name}")
    return offenders


# What a face may not call: a model's manager, or anything that narrows, orders or counts a
# queryset. A face asks a selector for exactly the rows it shows; reading a relation that the
# selector prefetched (`exchange.participants.all()`) is fine.
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_METHODS = {
    "filter",
    "exclude",
    "order_by",
    "select_related",
    "prefetch_related",
    "annotate",
    "aggregate",
    "values_list",
    "only",
    "defer",
    "distinct",
    "extra",
    "raw",
    "select_for_update",
    "in_bulk",
}
NO_ARGUMENT_QUERYSET_METHODS = {"count", "exists"}  # str.count and list.count take one

# (module, function) -> why it may touch the ORM. Keep it short: allauth glue only, and what
# another helper is moving at the same time.
ORM_IN_FACES_ALLOWED: dict[tuple[str, str], str] = {}


def _functions(tree: ast.AST):
    """(qualified name of the innermost enclosing def, node) for every node of the module."""
    stack: list[tuple[str, ast.AST]] = [("", tree)]
    while stack:
        where, node = stack.pop()
        yield where, node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stack.append((f"{where}.{child.name}".lstrip("."), child))
            else:
                stack.append((where, child))


def orm_offenders(files, allowed=ORM_IN_FACES_ALLOWED) -> list[str]:
    offenders = []
    for path, tree in files:
        if app_of_path(path) not in FACES:
            continue
        for where, node in _functions(tree):
            if (path, where) in allowed:
                continue
            manager = isinstance(node, ast.Attribute) and node.attr in MANAGERS
            query = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    node.func.attr in QUERYSET_METHODS
                    or (node.func.attr in NO_ARGUMENT_QUERYSET_METHODS and not node.args)
                )
            )
            if manager or query:
                offenders.append(f"{path}:{node.lineno} {ast.unparse(node)[:80]}")
    return sorted(set(offenders))


PUBLIC_UNDERSCORED = {"_meta"}  # Django's documented Model._meta API


def private_offenders(files) -> list[str]:
    """A module of one app neither imports nor uses a `_private` name of another app's modules:
    `from coproduce.b.x import _name`, or `x._name` where x was imported from app b."""
    offenders = []
    for path, tree in files:
        app = app_of_path(path)
        foreign: dict[str, str] = {}
        for name, local, line in bindings(path, tree):
            parts = name.split(".")
            if parts[1] == app:
                continue
            if parts[-1].startswith("_") and not parts[-1].startswith("__"):
                offenders.append(f"{path}:{line} imports {name}")
            foreign[local] = name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in PUBLIC_UNDERSCORED
            ):
                base = ast.unparse(node.value)
                if base in foreign:
                    offenders.append(f"{path}:{node.lineno} uses {foreign[base]}.{node.attr}")
    return offenders


def app_edges(files) -> dict[tuple[str, str], list[str]]:
    """The app-level import graph: (importer, imported) -> where."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path, tree in files:
        app = app_of_path(path)
        if app not in APPS:
            continue
        for name, _local, line in bindings(path, tree):
            other = name.split(".")[1]
            if other != app and other in APPS:
                edges.setdefault((app, other), []).append(f"{path}:{line} {name}")
    return edges


def cycles(edges) -> list[list[str]]:
    """Each cycle of the graph, once (as found by a depth-first search from each app)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                if frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:
                walk([*path, nxt])

    for start in sorted(graph):
        walk([start])
    return found


# Who may import whom, app by app: the table of docs/architecture.md. A new edge fails until it
# is added here with its reason; an edge the code no longer has fails until it is taken out.
# A face that does not use an app yet: the table says so rather than list an edge nobody uses.
NO_FACE_YET: set[tuple[str, str]] = set()
DOMAIN = (
    "communities",
    "ledger",
    "exchanges",
    "messaging",
    "notifications",
    "coproduction",
    "governance",
)
ALLOWED_EDGES: dict[tuple[str, str], str] = {
    ("communities", "core"): "audit, errors, limits, tokens",
    ("ledger", "core"): "audit, errors, limits",
    (
        "ledger",
        "communities",
    ): "accounts belong to members; who may read them; closes a leaver's account",
    ("ledger", "notifications"): "a reversal notifies the people it touches",
    ("notifications", "core"): "errors",
    ("exchanges", "core"): "audit, errors, limits",
    ("exchanges", "communities"): "members, roles and rules; gift profiles for matching",
    ("exchanges", "ledger"): "an exchange posts its transfer; balances and limits",
    ("exchanges", "notifications"): "exchanges notify; hands the weekly digest its listings",
    ("messaging", "core"): "audit, errors, limits",
    ("messaging", "communities"): "members and roles",
    ("messaging", "exchanges"): "conversations are about listings: the broker's queue reads "
    "them; hands matching the people a member blocked",
    ("messaging", "notifications"): "a message notifies its reader",
    ("coproduction", "core"): "audit, errors, limits",
    ("coproduction", "communities"): "members, roles and rules",
    ("coproduction", "ledger"): "registers credit hours; partners redeem them",
    ("coproduction", "exchanges"): "a referral's listings",
    ("coproduction", "notifications"): "sessions, referrals and redemptions notify",
    ("governance", "core"): "audit, errors, limits",
    ("governance", "communities"): "members and roles; the rulebook it copies and changes",
    ("governance", "notifications"): "a proposal's discussion, vote and decision are told",
    # disputes (issue 12): a dispute about an exchange marks it disputed and settles it
    ("governance", "exchanges"): "a dispute about an exchange marks it and settles its hours",
    ("governance", "coproduction"): "an ask is addressed to an agency, whose staff answer it "
    "and own its commitments",
    ("governance", "ledger"): "a budget round's winners are paid from the fund in one transaction "
    "(post_transfer, a key per project); the fund's balance bounds a round's budget",
    **{("ops", app): "the commands, demo and seeding drive every app" for app in ("core", *DOMAIN)},
    **{
        (face, app): "a face calls every app"
        for face in FACES
        for app in ("core", *DOMAIN)
        if (face, app) not in NO_FACE_YET
    },
}


def test_it_lets_faces_import_only_services_selectors_access_errors_and_models():
    assert face_import_offenders(sources()) == []


def test_it_keeps_the_orm_out_of_web_and_api():
    assert orm_offenders(sources()) == []


def test_it_keeps_private_names_inside_their_app():
    assert private_offenders(sources()) == []


def test_it_has_no_import_cycle_between_apps():
    assert cycles(app_edges(sources())) == []
    assert cycles(ALLOWED_EDGES) == []


def test_it_has_only_the_app_edges_of_the_table():
    found = app_edges(sources())
    new = {edge: where[:3] for edge, where in found.items() if edge not in ALLOWED_EDGES}
    gone = sorted(edge for edge in ALLOWED_EDGES if edge not in found)
    assert new == {}
    assert gone == []
    assert not any(b == "ops" for _a, b in ALLOWED_EDGES)


# Each rule can fail: a small source that breaks it on purpose is reported.


def test_it_reports_a_face_importing_an_apps_inner_module():
    files = parsed(
        {
            "web/views/x.py": "from coproduce.exchanges.selectors import listings\n"
            "from coproduce.exchanges.models import ListingKind\n"
            "from coproduce.communities import access\n",
            "api/routes/y.py": "def f():\n    from coproduce.ledger.tasks import expire\n",
            "web/views/z.py": "from ...exchanges.apps import Config\n",
        }
    )
    assert face_import_offenders(files) == [
        "api/routes/y.py:2 imports coproduce.ledger.tasks.expire",
        "web/views/z.py:1 imports coproduce.exchanges.apps.Config",
    ]


def test_it_reports_orm_use_in_a_face():
    files = parsed(
        {
            "web/views/x.py": "def page(request, pk):\n    return Listing.objects.get(pk=pk)\n",
            "api/routes/y.py": "def rows(community):\n"
            "    found = selectors.listings(community).filter(kind='offer')\n"
            "    return found.count(), 'a-b'.count('-')\n",
            "exchanges/selectors/z.py": "def rows():\n    return Listing.objects.all()\n",
        }
    )
    assert orm_offenders(files, allowed={}) == [
        "api/routes/y.py:2 selectors.listings(community).filter(kind='offer')",
        "api/routes/y.py:3 found.count()",
        "web/views/x.py:2 Listing.objects",
    ]
    allowed = {("web/views/x.py", "page"): "a reason"}
    assert orm_offenders(files[:1], allowed=allowed) == []


def test_it_reports_a_private_name_used_across_apps():
    files = parsed(
        {
            "web/a.py": "from coproduce.communities import access\naccess._roles_cache(1)\n",
            "api/b.py": "from coproduce.ledger.services.postings import _write\n",
            "ledger/services/c.py": "from .postings import _write\n"
            "from coproduce.ledger.services import postings\npostings._write()\n",
        }
    )
    assert private_offenders(files) == [
        "web/a.py:2 uses coproduce.communities.access._roles_cache",
        "api/b.py:1 imports coproduce.ledger.services.postings._write",
    ]


def test_it_reports_an_import_cycle_and_a_new_edge():
    files = parsed(
        {
            "communities/services/x.py": "def f():\n"
            "    from coproduce.ledger.services import accounts\n",
            "ledger/services/y.py": "from coproduce.communities.selectors import memberships\n",
            "web/views/z.py": "from coproduce.ops import periodic\n",
        }
    )
    edges = app_edges(files)
    assert sorted(edges) == [("communities", "ledger"), ("ledger", "communities"), ("web", "ops")]
    assert cycles(edges) == [["communities", "ledger", "communities"]]
    assert [edge for edge in edges if edge not in ALLOWED_EDGES] == [
        ("communities", "ledger"),
        ("web", "ops"),
    ]
    assert cycles({("a", "b"): "", ("b", "c"): "", ("c", "a"): "", ("c", "d"): ""}) == [
        ["a", "b", "c", "a"]
    ]


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
