"""The registered steps: every factory module that declares ``STEP = Step(...)``, found by reading the source.

Declaring a module-level ``STEP`` with literal arguments is all it takes to register a step: code
versions (``factory.code_versions``), the deciding libraries and every table keyed by asset name are
derived from here. Reading the syntax instead of importing keeps it cheap (no torch, no vLLM) and
lets it run on a copy of the source tree, as the code-version check's tests do.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECLARATION = "STEP"


@dataclass(frozen=True)
class RegisteredStep:
    asset: str
    module: str  # the step module, e.g. "factory.curation.step"
    code_version: str
    libraries: tuple[str, ...]


class StepDeclarationError(ValueError):
    """A ``STEP`` declaration the registry cannot read, or two steps for one asset."""


def registered_steps(root: Path = ROOT) -> dict[str, RegisteredStep]:
    """Every declared step by asset name, in module order (the installed tree's read once; another tree's each time)."""
    return dict(_installed_tree() if root.resolve() == ROOT else _scan(root.resolve()))


@functools.cache
def _installed_tree() -> tuple[tuple[str, RegisteredStep], ...]:
    return _scan(ROOT)


def _scan(root: Path) -> tuple[tuple[str, RegisteredStep], ...]:
    found: dict[str, RegisteredStep] = {}
    for path in sorted((root / "factory").rglob("*.py")):
        text = path.read_text()
        if f"{DECLARATION} = Step(" not in text:
            continue
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        step = _declared(ast.parse(text), module)
        if step is None:
            continue
        if step.asset in found:
            raise StepDeclarationError(f"{module} and {found[step.asset].module} both declare the step {step.asset!r}")
        found[step.asset] = step
    return tuple(found.items())


def _declared(tree: ast.Module, module: str) -> RegisteredStep | None:
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == DECLARATION for t in node.targets)):
            continue
        call = node.value
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Step"):
            return None
        try:
            args = [ast.literal_eval(arg) for arg in call.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        except ValueError as error:
            raise StepDeclarationError(f"{module}: STEP = Step(...) must use literal arguments ({error})") from error
        fields = dict(zip(("asset", "code_version", "libraries"), args)) | kwargs
        return RegisteredStep(fields["asset"], module, str(fields["code_version"]), tuple(fields.get("libraries", ())))
    return None
