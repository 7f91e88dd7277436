"""The fast filters against datatrove's on every real document of ../shared/data (about 20,000), the sweep the suite
makes on every eighth one (tests/fast_filters/test_real_documents.py): decisions, reasons, kept text and line
statistics must all be identical. About ten minutes on two cores.

    python bench/filter_equivalence.py [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))
sys.path.append(str(REPO / "tests"))  # test support: every real document of the data folder, both filter stacks
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from measure import machine
    from tests.fast_filters.equivalence import SLICES, compare_real_documents

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "filter_equivalence.json")
    args = parser.parse_args()
    started = time.time()
    compared, differences = compare_real_documents(DATA, range(SLICES), args.processes)
    result = {"machine": machine(), "documents_compared": compared, "differences": len(differences),
              "first_differences": differences[:20], "seconds": round(time.time() - started, 1)}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({key: value for key, value in result.items() if key != "machine"}, indent=1))
    if differences:
        sys.exit(f"{len(differences)} differences between the fast filters and datatrove's")


if __name__ == "__main__":
    main()
