"""A measured figure in the README or docs names the results file it came from, and agrees with it.

A figure is quoted as a link to its results file whose title is the value's path in that JSON file:
``[699 s](bench/results/2026-12-07-demo.json "seconds")``, or ``"stages[stage=crawl].seconds"`` to pick
from a list by its fields (``[asset=deduped,partition=c4]``), or ``"seconds/60"`` for a unit change. The link opens the file in a browser or on
GitHub; this test reads the number in the link's text and the value at that path, and fails when they
disagree at the precision the text shows, when the file or the path is missing, or when no figure is cited.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CITATION = re.compile(r"\[([^\]]+)\]\(((?:\.\./)?bench/results/[^)\s]+\.json) \"([^\"]+)\"\)")
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
STEP = re.compile(r"([^.\[\]]+)(?:\[([^\]]+)\])?")


def citations() -> list[tuple[str, str, Path, str]]:
    """(document:line, quoted text, results file, value path) for every cited figure."""
    found = []
    for document in DOCUMENTS:
        for number, line in enumerate(document.read_text().splitlines(), 1):
            for text, target, path in CITATION.findall(line):
                found.append((f"{document.relative_to(REPO)}:{number}", text, (document.parent / target).resolve(), path))
    return found


def resolve(data, path: str):
    """The value at ``a.b[field=value,other=value].c`` (a list's one item with those fields, or an index), with an
    optional /N or *N."""
    scale = 1.0
    if match := re.fullmatch(r"(.+?)([/*])([\d.]+)", path):
        path, operator, factor = match.groups()
        scale = 1 / float(factor) if operator == "/" else float(factor)
    for step in path.split("."):
        name, where = STEP.fullmatch(step).groups()
        data = data[int(name)] if isinstance(data, list) else data[name]
        if where:
            wanted = dict(condition.split("=", 1) for condition in where.split(","))
            (data,) = [item for item in data if all(str(item.get(key)) == value for key, value in wanted.items())]
    return data * scale


def shown(text: str) -> tuple[float, int]:
    """The first number of the quoted text and how many decimals it shows."""
    match = NUMBER.search(text)
    assert match, f"no number in the quoted figure {text!r}"
    digits = match.group().replace(",", "")
    return float(digits), len(digits.split(".")[1]) if "." in digits else 0


def test_the_readme_and_docs_cite_their_figures():
    cited = citations()
    assert len(cited) >= 10, f"only {len(cited)} figures cite a results file"
    assert {where.split(":")[0] for where, *_ in cited} >= {"README.md"}


@pytest.mark.parametrize(("where", "text", "results", "path"), citations(), ids=lambda v: str(v)[:60])
def test_a_quoted_figure_matches_its_results_file(where, text, results, path):
    assert results.is_file(), f"{where}: {text!r} cites {results}, which does not exist"
    value = resolve(json.loads(results.read_text()), path)
    number, decimals = shown(text)
    assert abs(float(value) - number) <= 0.5 * 10 ** -decimals + 1e-9, (
        f"{where}: the text says {text!r} but {results.name} has {path} = {value}")
