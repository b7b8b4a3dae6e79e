"""The package's import graph: data flows one way, so a module imports only from the layers before it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import reportgen

PACKAGE = Path(reportgen.__file__).parent

# In the order data flows (README, Architecture). A module may import from its own layer or an
# earlier one, never a later one; a new module must be placed here, or the test names it.
LAYERS: list[set[str]] = [
    {
        "errors",
        "limits",
        "cores",
        "paths",
        "formatting",
        "retry",
        "timelimit",
        "termination",
        "vocabulary",
        "_libraries",
        "scratch",
        "_weasy",
        "files",
        "i18n",
        "forked",
    },
    {"_http", "models", "brand", "glyphs", "templating", "estimate", "signing"},
    {"pave", "download", "bundle", "plan", "matching"},
    {"fetch", "decoding", "markers", "manifest"},
    {"imaging"},
    {"viewmodel", "compareview"},
    {"view", "render", "summary", "parallel", "_structmerge"},
    {"pdf", "mail", "options"},
    {"report"},
    {"batch", "compare", "verify"},
    # The service sits on the library, beside the command line that starts it.
    {"service.config", "service.storage", "service.jobs"},
    {"service.redis_jobs", "service.runner"},
    {"service.queue"},
    {"service.metrics"},
    {"service.app"},
    {"service.server", "service.__init__"},
    {"_console", "cli", "__init__"},
    {"_program"},
]


def module_name(path: Path) -> str:
    """`errors`, `service.app`, `service.__init__`: the module's name inside the package."""
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def imports_of(module: str, modules: set[str]) -> set[str]:
    """The package's modules that `module` imports, at the top or inside a function."""
    tree = ast.parse((PACKAGE / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    package = module.split(".")[:-1]  # where a relative import starts from
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            if node.module:
                found.add(".".join([*base, *node.module.split(".")]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif node.module and node.module.split(".")[0] == "reportgen":
            parts = node.module.split(".")[1:]
            found.update([".".join(parts)] if parts else [alias.name for alias in node.names])
    # `from .service.config import X` is an edge to service.config; `from .service import X` to its __init__.
    resolved = {name if name in modules else f"{name}.__init__" for name in found}
    return (resolved & modules) - {module}


def graph() -> dict[str, set[str]]:
    modules = {module_name(path) for path in PACKAGE.rglob("*.py")}
    return {module: imports_of(module, modules) for module in modules}


def test_every_module_has_a_layer() -> None:
    placed = set().union(*LAYERS)
    assert set(graph()) - placed == set(), "place the new module in LAYERS"
    assert placed - set(graph()) == set(), "a module in LAYERS no longer exists"


def test_no_module_imports_from_a_later_layer() -> None:
    layer_of = {module: number for number, layer in enumerate(LAYERS) for module in layer}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if layer_of[target] > layer_of[module]
    )
    assert upward == []


def test_no_import_cycles() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " -> ".join((*path, module))
        if module in done:
            return
        for target in sorted(edges[module]):
            visit(target, (*path, module))
        done.add(module)

    for module in sorted(edges):
        visit(module, ())


def test_the_check_sees_imports_inside_functions() -> None:
    # options imports render inside a function (Jinja loads only when needed): still an edge.
    assert "render" in graph()["options"]


def test_every_public_module_declares_its_public_names() -> None:
    # As httpx does: a module is private (_name) or says what it offers in __all__, each name defined.
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.stem.startswith("_") and path.stem != "__init__":
            continue
        name = module_name(path).removesuffix("__init__").rstrip(".")
        module = importlib.import_module(f"reportgen.{name}" if name else "reportgen")
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{path.name} has no __all__"
        assert [name for name in exported if not hasattr(module, name)] == [], path.name
