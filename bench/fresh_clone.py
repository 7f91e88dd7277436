"""The README's two commands as a newcomer runs them: a fresh clone beside ../shared, `make demo`, then `make test`.

    python bench/fresh_clone.py [--pip-cache empty|warm] [--commands demo,test]

Clones the committed HEAD of this checkout into a new folder next to it (so that ``../shared`` resolves as in
the checkout), runs each command in a clone of its own with its install, and writes
``bench/results/<date>-fresh-clone-<commands>.json``:
the machine, the commit, each command's wall seconds and exit code, the install's share of the first one (from
its log), the demo's own report (``.factory/demo-report.json``: each stage's seconds, what each run made, the
leaderboard) and pytest's closing line. The README quotes its figures from this file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import machine  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
LIMIT_S = 60 * 60  # one command; the README promises 15 minutes for the demo and 30 for the tests
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed).*?) in ([\d.]+)s.*$", re.MULTILINE)


def run(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> dict:
    started = time.time()
    with log.open("w") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=LIMIT_S)
    return {"command": " ".join(command), "started": started, "seconds": round(time.time() - started, 1),
            "exit_code": done.returncode, "log_tail": log.read_text(errors="replace").splitlines()[-15:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-cache", choices=("empty", "warm"), default="empty",
                        help="empty: a new pip cache, as on a fresh machine (the wheels come from the registry again)")
    parser.add_argument("--commands", default="demo,test", help="which of the README's commands, in order")
    args = parser.parse_args()
    commands = args.commands.split(",")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    results = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
               "commit": commit, "pip_cache": args.pip_cache, "commands": {}}
    try:
        for command in commands:
            results["commands"][f"make {command}"] = measure(command, args.pip_cache, results)
    finally:
        out = RESULTS / f"{results['measured_at'][:10]}-fresh-clone-{'-'.join(commands)}.json"
        out.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {out}")


def measure(command: str, pip_cache: str, results: dict) -> dict:
    """`make <command>` in a fresh clone, its install included; the demo's report and pytest's summary kept."""
    clone = Path(tempfile.mkdtemp(prefix="fresh-clone-", dir=REPO.parent))  # ../shared resolves from here too
    try:
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("FACTORY_", "DAGSTER_", "VIRTUAL_ENV"))}
        if pip_cache == "empty":
            env["PIP_CACHE_DIR"] = str(clone / ".pip-cache")
        log = clone / f"make-{command}.log"
        measured = run(["make", command], clone, env, log)
        install = clone / ".venv" / ".installed"
        # The install ends when its stamp is written: make's first recipe, before the command itself starts.
        measured["install_seconds"] = round(install.stat().st_mtime - measured["started"], 1) if install.exists() else None
        report = clone / ".factory" / "demo-report.json"
        if command == "demo" and report.exists():
            results["demo_report"] = json.loads(report.read_text())
        if command == "test":
            summary = SUMMARY.search(log.read_text(errors="replace"))
            measured["pytest"] = {"summary": summary.group(1), "seconds": float(summary.group(2))} if summary else None
            measured["slowest"] = [line for line in log.read_text(errors="replace").splitlines()
                                   if re.match(r"^\d+\.\d+s (setup|call|teardown) ", line)][:30]
        return measured
    finally:
        shutil.rmtree(clone, ignore_errors=True)


if __name__ == "__main__":
    main()
