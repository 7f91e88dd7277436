"""How well the two category classifiers do, how fast they are, and what the category mix of real web text is.

Both classifiers are trained on the training side of WebOrganizer's labelled pages (real DCLM-pool Common
Crawl pages, ``../shared/data/classification/weborganizer``; held-out side by URL hash) and scored on the
held-out pages: accuracy, macro F1, per-category precision/recall/F1, the confusion matrix, and training
and prediction speed in documents/s. The default (fastText) classifier then tags the real C4 sample
(``../shared/data/web/olmo_c4``) and all WebOrganizer pages, giving their category distributions by
documents and by SmolLM2 tokens. Writes ``bench/results/category_accuracy.json``.

    python bench/category_accuracy.py                          # both classifiers, embeddings at 128 tokens
    python bench/category_accuracy.py --skip-embedding         # fastText only (about a minute)
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
C4_GUARDIAN = "web/olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz"  # 10 Guardian pages of C4
log = logging.getLogger("bench.category_accuracy")


def read_texts(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def score(kind: str, train, held_out, settings: dict) -> tuple[object, dict]:
    from factory.categories import evaluate_predictions, train_category_classifier

    started = time.time()
    classifier = train_category_classifier(train, kind, settings)
    train_s = time.time() - started
    started = time.time()
    predicted = classifier.predict([page.text for page in held_out])
    predict_s = time.time() - started
    found = evaluate_predictions([page.category for page in held_out], predicted)
    log.info("%s: accuracy %.3f, macro F1 %.3f (majority %.3f); train %.0f s, predict %.1f docs/s", kind,
             found.accuracy, found.macro_f1, found.majority_baseline, train_s, len(held_out) / predict_s)
    return classifier, {
        **found.to_dict(), "identity": classifier.identity(), "train_pages": len(train),
        "train_s": round(train_s, 1), "train_docs_per_s": round(len(train) / train_s, 1),
        "predict_s": round(predict_s, 2), "predict_docs_per_s": round(len(held_out) / predict_s, 1),
    }


def distribution(classifier, texts: list[str]) -> dict:
    from factory.categories import category_distribution, tag_texts
    from factory.models.tokenizer import count_tokens

    started = time.time()
    categories = tag_texts(classifier, texts)
    seconds = time.time() - started
    tokens: Counter = Counter()
    for category, count in zip(categories, count_tokens(texts), strict=True):
        tokens[category] += count
    return {**category_distribution(Counter(categories), dict(tokens)),
            "tag_docs_per_s": round(len(texts) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--embedding-max-tokens", type=int, default=128,
                        help="tokens embedded per page (MiniLM was trained at 256; 128 is ~2x faster on CPU)")
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "category_accuracy.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import torch

    from factory import settings
    from factory.categories import category_distribution, load_labelled_pages, split_pages

    settings.set_offline_defaults()
    torch.set_num_threads(os.cpu_count() or 1)
    weborganizer = args.data / "classification" / "weborganizer"
    pages = load_labelled_pages(weborganizer)
    train, held_out = split_pages(pages)
    log.info("%d labelled pages: %d train, %d held out", len(pages), len(train), len(held_out))
    classifiers = {}
    default, classifiers["fasttext"] = score("fasttext", train, held_out, {})
    if not args.skip_embedding:
        _, classifiers["embedding"] = score("embedding", train, held_out, {"max_tokens": args.embedding_max_tokens})
        classifiers["embedding"]["note"] = (
            f"pages embedded at max_tokens={args.embedding_max_tokens} with torch on {torch.get_num_threads()} CPU "
            "threads; training time is mostly embedding")

    c4_sample, guardian = "web/olmo_c4/c4-sample.00000-of-00001.json.gz", C4_GUARDIAN
    distributions = {
        "c4_sample": {"files": [c4_sample], **distribution(default, read_texts(args.data / c4_sample))},
        "c4_guardian_val": {"files": [guardian], **distribution(default, read_texts(args.data / guardian))},
        "weborganizer_predicted": {"files": ["classification/weborganizer/weborganizer_examples.jsonl.gz"],
                                   "note": "all pages, 80% of which trained the classifier: closer to the labels "
                                           "than unseen pages would be",
                                   **distribution(default, [page.text for page in pages])},
        "weborganizer_labels": {"note": "the mapped WebOrganizer labels of the same pages, for comparison",
                                **category_distribution(Counter(page.category for page in pages))},
    }
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "libraries": {name: metadata.version(name) for name in ("fasttext-numpy2-wheel", "scikit-learn", "torch")},
        "labelled_pages": {"total": len(pages), "train": len(train), "held_out": len(held_out),
                           "by_category": dict(Counter(page.category for page in pages).most_common())},
        "default_classifier": "fasttext", "classifiers": classifiers, "distributions": distributions,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({kind: {k: r[k] for k in ("accuracy", "macro_f1", "majority_baseline", "predict_docs_per_s")}
                      for kind, r in classifiers.items()}))
    print(json.dumps({name: {c: v["share"] for c, v in d["categories"].items()} for name, d in distributions.items()}))


if __name__ == "__main__":
    main()
