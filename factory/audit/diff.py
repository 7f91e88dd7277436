"""What differs between two versions of one partition, and which of those differences made the new version.

A version is the hash of code version, config (models in it by content hash), the deciding libraries'
versions, input versions and sources (``factory.store.versioning``), so those are the only possible causes
of a new version; ``causes`` names the ones that differ, with ``models`` apart from the rest of the config.
The other packages, operational settings and counts are reported beside them: they explain different
results, but never make a new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from factory.audit.defaults import MISSING, flatten
from factory.audit.index import StoreIndex
from factory.store import Manifest, VersionNotFoundError

MODEL_WORDS = ("model", "tokenizer")


@dataclass(frozen=True)
class Change:
    key: str
    a: Any  # MISSING ("<missing>") when absent on that side
    b: Any


@dataclass
class VersionDiff:
    a: Manifest
    b: Manifest
    code_version: Change | None
    config: list[Change] = field(default_factory=list)
    inputs: list[Change] = field(default_factory=list)  # key: asset[partition], values: versions
    sources: list[Change] = field(default_factory=list)  # key: url, values: checksums
    libraries: list[Change] = field(default_factory=list)  # the deciding libraries: part of the version
    packages: list[Change] = field(default_factory=list)  # every other tracked package: recorded only
    models: list[Change] = field(default_factory=list)  # config and operational keys that name a model or tokenizer
    operational: list[Change] = field(default_factory=list)
    counts: list[Change] = field(default_factory=list)

    @property
    def causes(self) -> list[str]:
        """The parts of the version's identity that differ: why B is a new version rather than A reused."""
        model_keys = {c.key for c in self.models}
        named = {"code_version": bool(self.code_version), "models": any(c.key in model_keys for c in self.config),
                 "config": any(c.key not in model_keys for c in self.config), "libraries": bool(self.libraries),
                 "inputs": bool(self.inputs), "sources": bool(self.sources)}
        return [name for name, differs in named.items() if differs]

    def to_dict(self) -> dict[str, Any]:
        def rows(changes: list[Change]) -> list[dict[str, Any]]:
            return [vars(c) for c in changes]
        return {
            "asset": self.a.asset, "partition": self.a.partition, "a": self.a.version, "b": self.b.version,
            "a_committed_at": self.a.timings.get("committed_at"), "b_committed_at": self.b.timings.get("committed_at"),
            "causes": self.causes, "code_version": vars(self.code_version) if self.code_version else None,
            "config": rows(self.config), "inputs": rows(self.inputs), "sources": rows(self.sources),
            "libraries": rows(self.libraries), "packages": rows(self.packages), "models": rows(self.models), "operational": rows(self.operational),
            "counts": rows(self.counts),
        }


def diff_versions(a: Manifest, b: Manifest) -> VersionDiff:
    config_a, config_b = flatten(a.config), flatten(b.config)
    operational_a, operational_b = flatten(a.operational), flatten(b.operational)
    return VersionDiff(
        a, b,
        code_version=Change("code_version", a.code_version, b.code_version) if a.code_version != b.code_version else None,
        config=_changes(config_a, config_b),
        inputs=_changes({f"{r.asset}[{r.partition}]": r.version for r in a.inputs},
                        {f"{r.asset}[{r.partition}]": r.version for r in b.inputs}),
        sources=_changes({s.url: s.checksum for s in a.sources}, {s.url: s.checksum for s in b.sources}),
        libraries=_changes(a.libraries, b.libraries),
        packages=_changes(_others(a), _others(b)),
        models=_changes(_models(config_a | operational_a), _models(config_b | operational_b)),
        operational=_changes(operational_a, operational_b),
        counts=_changes(a.counts, b.counts),
    )


def plan_changes(current: Manifest, plan) -> list[str]:
    """Why ``plan`` (a ``factory.steps.StepPlan``: what the step would make now) is not ``current``, one short line per
    differing part of the identity: config keys with both values, the code version, inputs, sources, libraries."""
    changes = [f"code version {current.code_version} -> {plan.step.code_version}"] \
        if current.code_version != plan.step.code_version else []
    changes += [f"{c.key}: {_short(c.a)} -> {_short(c.b)}" for c in _changes(flatten(current.config), flatten(plan.config))]
    changes += [f"input {c.key}: {_short(c.a)} -> {_short(c.b)}" for c in _changes(
        {f"{r.asset}[{r.partition}]": r.version for r in current.inputs},
        {f"{m.asset}[{m.partition}]": m.version for m in plan.inputs})]
    changes += [f"source {c.key} changed" for c in _changes({s.url: s.checksum for s in current.sources},
                                                            {s.url: s.checksum for s in plan.sources})]
    changes += [f"library {c.key}: {c.a} -> {c.b}" for c in _changes(current.libraries, plan.libraries)]
    return changes


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pick_versions(index: StoreIndex, asset: str, partition: str, a: str | None, b: str | None) -> tuple[Manifest, Manifest]:
    """B: the given version or the current one; A: the given version or the one committed just before B.
    Versions may be given by a unique prefix."""
    versions = index.versions(asset, partition)
    if not versions:
        raise VersionNotFoundError(f"no committed version of {asset}[{partition}] in {index.store.root_uri}")
    newer = _pick(versions, b, asset, partition) if b else index.current(asset, partition) or versions[-1]
    if a:
        return _pick(versions, a, asset, partition), newer
    earlier = [m for m in versions if m.version != newer.version
               and m.timings.get("committed_at", "") <= newer.timings.get("committed_at", "")]
    if not earlier:
        others = ", ".join(m.version for m in versions if m.version != newer.version) or "none"
        raise VersionNotFoundError(f"{asset}[{partition}]@{newer.version} has no earlier version to compare with "
                                   f"(other versions: {others}): give version A explicitly")
    return earlier[-1], newer


def _pick(versions: list[Manifest], prefix: str, asset: str, partition: str) -> Manifest:
    matches = [m for m in versions if m.version.startswith(prefix)]
    if len(matches) != 1:
        known = ", ".join(m.version for m in versions)
        what = "matches no" if not matches else "is ambiguous among the"
        raise VersionNotFoundError(f"version {prefix!r} {what} committed versions of {asset}[{partition}]: {known}")
    return matches[0]


def _changes(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    keys = sorted(set(a) | set(b))
    return [Change(k, a.get(k, MISSING), b.get(k, MISSING)) for k in keys if a.get(k, MISSING) != b.get(k, MISSING)]


def _others(manifest: Manifest) -> dict[str, str]:
    return {name: version for name, version in manifest.packages.items() if name not in manifest.libraries}


def _models(flat: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in flat.items() if any(word in part for part in k.split(".") for word in MODEL_WORDS)}


def render(diff: VersionDiff) -> str:
    """Rich markup, one section per kind of difference."""
    a, b = diff.a, diff.b
    lines = [f"[bold]{escape(f'{a.asset}[{a.partition}]')}[/]: [cyan]{a.version}[/] ({a.timings.get('committed_at', '?')}) "
             f"-> [cyan]{b.version}[/] ({b.timings.get('committed_at', '?')})"]
    if a.version == b.version:
        lines.append("same version: nothing differs")
        return "\n".join(lines)
    causes = ", ".join(diff.causes) or "nothing recorded (a version computed by older code?)"
    lines.append(f"[bold]new version because of:[/] [yellow]{causes}[/]")
    sections = [("code version", [diff.code_version] if diff.code_version else []), ("config", diff.config),
                ("inputs", diff.inputs), ("sources", diff.sources), ("models", diff.models),
                ("libraries (in the version)", diff.libraries), ("other packages (not in the version)", diff.packages), ("operational (not in the version)", diff.operational),
                ("counts", diff.counts)]
    for title, changes in sections:
        lines.append(f"[bold]{title}:[/] " + ("[dim]same[/]" if not changes else ""))
        lines += [f"  {escape(c.key)}: {escape(_text(c.a))} -> {escape(_text(c.b))}" for c in changes]
    return "\n".join(lines)


def _text(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def to_json(diff: VersionDiff) -> str:
    return json.dumps(diff.to_dict(), indent=2, default=str)
