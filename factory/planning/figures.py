"""A number in a plan together with where it came from, so a reader knows how far to trust it.

A plan for a real dump multiplies a few per-document costs by large counts: one wrong default
becomes thousands of GPU-hours. Every figure therefore carries its provenance: ``measured``
(from committed manifests, with how many partitions), ``assumed`` (a named default, see
``defaults.py``), ``option`` (given on the command line or defaulted there) or ``derived``
(computed from other figures; it names the non-measured figures it rests on).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MEASURED = "measured"
ASSUMED = "assumed"
OPTION = "option"
DERIVED = "derived"


@dataclass(frozen=True)
class Figure:
    """One value with its unit, provenance and a sentence saying how it was obtained."""

    name: str
    value: float
    unit: str
    kind: str
    basis: str
    partitions: int = 0  # measured: how many store partitions the value comes from
    rests_on: tuple[str, ...] = ()  # derived: the assumed and option figures behind it, as "name (kind)"
    uses_measurement: bool = False  # measured, or derived from at least one measured figure

    @property
    def is_measured(self) -> bool:
        """Measured, or derived only from measured figures."""
        return self.kind == MEASURED or (self.kind == DERIVED and self.uses_measurement and not self.rests_on)

    @property
    def label(self) -> str:
        """The provenance in a few words, as printed beside the value."""
        if self.kind == MEASURED:
            return f"measured ({self.partitions} partition{'s' if self.partitions != 1 else ''})"
        if self.kind == DERIVED:
            if not self.rests_on:
                return "derived from measured" if self.uses_measurement else "derived"
            return "derived; rests on " + ", ".join(self.rests_on)
        return self.kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value, "unit": self.unit, "kind": self.kind, "label": self.label,
            "basis": self.basis, "partitions": self.partitions, "rests_on": list(self.rests_on),
            "uses_measurement": self.uses_measurement,
        }


def measured(name: str, value: float, unit: str, partitions: int, basis: str) -> Figure:
    return Figure(name, float(value), unit, MEASURED, basis, partitions=partitions, uses_measurement=True)


def assumed(name: str, value: float, unit: str, basis: str) -> Figure:
    return Figure(name, float(value), unit, ASSUMED, basis)


def option(name: str, value: float, unit: str, basis: str) -> Figure:
    return Figure(name, float(value), unit, OPTION, basis)


def derived(name: str, value: float, unit: str, inputs: Iterable[Figure], basis: str) -> Figure:
    """A figure computed from ``inputs``: it rests on every assumed or option figure among them, transitively."""
    rests_on: list[str] = []
    inputs = list(inputs)
    for figure in inputs:
        own = (f"{figure.name} ({figure.kind})",) if figure.kind in (ASSUMED, OPTION) else figure.rests_on
        rests_on.extend(item for item in own if item not in rests_on)
    return Figure(name, float(value), unit, DERIVED, basis, rests_on=tuple(rests_on),
                  uses_measurement=any(figure.uses_measurement for figure in inputs))
