"""The markdown summary of a `make bench` results file: the machine, then a table per part."""

from __future__ import annotations

import json


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [f"# Factory benchmarks, {results['measured_at'][:10]} on {machine['host']}", "",
             f"{machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB memory, "
             f"GPU: {', '.join(machine['gpu']) or 'none'}; Python {machine['python']}; "
             f"load average at start {machine['load_average_at_start']}.", "",
             "Packages: " + ", ".join(f"{name} {version}" for name, version in machine["packages"].items()) + ".", "",
             f"Each figure is the median of {results['repeats']} runs, with min and max; each ratio pairs runs of the "
             f"same repeat. Whole run: {results.get('seconds', 0) / 60:.1f} min."
             + (" **Quick mode: small sizes, the figures mean little.**" if results.get("quick") else ""), ""]
    for name, part in results["parts"].items():
        lines += [f"## {name} ({part['seconds']:.0f} s)", ""]
        if "error" in part:
            lines += [f"**Failed**: `{part['error']}`", ""]
            continue
        lines += ["| figure | median | min | max | unit |", "|---|---:|---:|---:|---|"]
        for key, value in {**part.get("figures", {}), **part.get("ratios", {})}.items():
            lines.append(f"| {key} | {_number(value['median'])} | {_number(value['min'])} | {_number(value['max'])} | {value['unit']} |")
        lines.append("")
        for key, value in part.get("notes", {}).items():
            lines.append(f"- {key}: {value if isinstance(value, str) else json.dumps(value)}")
        lines.append("")
    reference = results["references"]["datatrove_h100_generation"]
    lines += ["## References", "",
              f"- Generation on one H100, {reference['source']}: SmolLM2-1.7B-Instruct "
              f"{reference['SmolLM2-1.7B-Instruct']['default']:,} tokens/s default, {reference['SmolLM2-1.7B-Instruct']['tuned']:,} tuned; "
              f"SmolLM2-135M-Instruct {reference['SmolLM2-135M-Instruct']['default']:,} / {reference['SmolLM2-135M-Instruct']['tuned']:,}.", ""]
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
