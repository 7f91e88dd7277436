"""Code versions that cannot go stale: a step's code version (``STEP = Step(..., code_version=...)``) must change
whenever its output does.

Each step's source is fingerprinted: its module and every factory module it imports, transitively, as
syntax trees without docstrings, so comments and formatting never count. ``factory/code_versions.json``
records, per step, the code version and the fingerprint of each module as last reviewed. ``check``
compares: a module that changed under the same code version is reported, naming the step and the
module, until either the step's code version is bumped (its output changes) or the new source is
recorded as reviewed with ``factory code-versions --record`` (a change that leaves the output alone).
The test suite runs the check, so neither can be forgotten.

The store's plumbing (where and how files are committed) and the settings are left out: they move
data, they never shape it. The table encoding is kept in, since it decides the bytes of every file.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from factory.step_registry import registered_steps

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = Path(__file__).resolve().parent / "code_versions.json"
PLUMBING = ("factory.store", "factory.faults", "factory.settings", "factory.steps", "factory.step_registry",
            "factory.code_versions")
SHAPING_STORE_MODULES = ("factory.store.tables", "factory.store.shard_writer")


@dataclass(frozen=True)
class StepSource:
    step: str
    code_version: str
    modules: dict[str, str]  # module -> fingerprint of its syntax tree


@dataclass(frozen=True)
class Drift:
    """A step whose source and recorded state disagree; ``message`` says what to do."""

    step: str
    message: str


def current(root: Path = ROOT) -> dict[str, StepSource]:
    """Every registered step's source as it is now."""
    return {asset: step_source(asset, step.module, step.code_version, root) for asset, step in registered_steps(root).items()}


def step_source(step: str, module: str, code_version: str, root: Path = ROOT) -> StepSource:
    modules = {name: fingerprint(_module_file(name, root)) for name in sorted(imported_modules(module, root))}
    return StepSource(step, code_version, modules)


def check(root: Path = ROOT, lock_file: Path = LOCK_FILE) -> list[Drift]:
    """Every step whose source changed without a new code version, or whose new code version is not recorded."""
    recorded = json.loads(lock_file.read_text()) if lock_file.exists() else {}
    modules = {asset: step.module for asset, step in registered_steps(root).items()}
    drifts = []
    for step, source in current(root).items():
        before = recorded.get(step)
        if before is None:
            drifts.append(Drift(step, f"{step}: no recorded source; run `factory code-versions --record`"))
            continue
        changed = sorted(name for name in source.modules.keys() | before["modules"].keys()
                         if source.modules.get(name) != before["modules"].get(name))
        if source.code_version == before["code_version"] and changed:
            drifts.append(Drift(step, (
                f"{step}: {', '.join(changed)} changed since code version {source.code_version} was recorded. If the "
                f"step's output changes, bump the code_version of STEP in {modules[step]}; either way, record the reviewed source with "
                "`factory code-versions --record`")))
        elif source.code_version != before["code_version"]:
            drifts.append(Drift(step, (
                f"{step}: code version {before['code_version']} -> {source.code_version} is not recorded: run "
                "`factory code-versions --record`")))
    return drifts


def record(root: Path = ROOT, lock_file: Path = LOCK_FILE) -> dict[str, StepSource]:
    sources = current(root)
    lock = {step: {"code_version": s.code_version, "modules": s.modules} for step, s in sources.items()}
    lock_file.write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return sources


def imported_modules(module: str, root: Path = ROOT) -> set[str]:
    """``module`` and the factory modules it imports, transitively (plumbing left out)."""
    found, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in found or _is_plumbing(name):
            continue
        path = _module_file(name, root)
        if path is None:
            continue
        found.add(name)
        todo += _imports(ast.parse(path.read_text()), name, path.name == "__init__.py")
    return found


def fingerprint(path: Path) -> str:
    """SHA-256 of a module's syntax tree without docstrings: comments, blank lines and wording of docs don't count."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()[:16]


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]  # a name may be a submodule
    return [name for name in names if name == "factory" or name.startswith("factory.")]


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    package = parts if is_package else parts[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _is_plumbing(name: str) -> bool:
    if name in SHAPING_STORE_MODULES:
        return False
    return any(name == p or name.startswith(p + ".") for p in PLUMBING)


def _module_file(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None

