"""Recall and false positives of the contamination index, on the factory's own benchmark files and real pages.

Recall: benchmark items planted into real C4 pages (none of them held out) the ways items leak, and found
when the index names that very item for the page:

    verbatim            the question and the gold answer, as a document of their own
    in_page             the same, pasted into the middle of a real page (its navigation and text around it)
    question_only       only the question, in a page
    options_reordered   the question and every option, shuffled and lettered, in a page
    lowercase_punct     question and answer lowercased, commas dropped, full stops turned into " -"
    split_lines         question and answer broken into lines of four words, in a page

Items are drawn from those the index holds (at least one text as long as an n-gram); how many items of
each benchmark are too short to index at all is reported beside. False positives: every real page under
the data folder (C4, WebOrganizer, the Dolma samples, the CC WARC/WET files extracted as ``filtered`` does,
the English corpus) is checked; every page flagged is listed with the item and the n-gram it shares, for a
person to classify (the classification is in ``docs/decontamination.md``).

    python bench/decontamination.py [--items-per-task 100] [--out bench/results/decontamination.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))
sys.path.append(str(REPO / "tests"))  # test support: every real document of the data folder

KINDS = ("verbatim", "in_page", "question_only", "options_reordered", "lowercase_punct", "split_lines")


def build_index():
    from factory.decontamination.index import ContaminationIndex
    from factory.decontamination.items import all_domains, benchmark_items, heldout_documents
    from factory.evaluation.config import EARLY_SIGNAL

    items = [*benchmark_items(DATA / "eval", list(EARLY_SIGNAL)), *heldout_documents(all_domains(), DATA)]
    index, table = ContaminationIndex.build(items, 13, 0.2)
    return index, table, {item.id: item for item in items}


def rows_by_id() -> dict[str, dict]:
    from factory.evaluation.config import EARLY_SIGNAL
    from factory.evaluation.tasks import TASKS

    return {f"{task}/{number}": row for task in EARLY_SIGNAL for number, row in enumerate(TASKS[task].convert(DATA / "eval"))}


def leak(kind: str, row: dict, page: str, rng: random.Random) -> str:
    """``row`` leaked into ``page`` the way ``kind`` says."""
    from factory.decontamination.items import question_text

    if "continuation" in row:  # WinoGrande: the filled-in sentence is both question and answer
        question, answer, options = f"{row['choices'][row['gold']]} {row['continuation']}", "", list(row["choices"])
    else:
        question, answer, options = question_text(row["query"]), row["choices"][row["gold"]], list(row["choices"])
    item = f"{question}\n{answer}".strip()
    if kind == "verbatim":
        return item
    if kind == "question_only":
        item = question
    elif kind == "options_reordered":
        rng.shuffle(options)
        item = question + "\n" + "\n".join(f"{'ABCDE'[i]}) {option}" for i, option in enumerate(options))
    elif kind == "lowercase_punct":
        item = re.sub(r"\.", " -", item.lower().replace(",", ""))
    elif kind == "split_lines":
        words = item.split()
        item = "\n".join(" ".join(words[i:i + 4]) for i in range(0, len(words), 4))
    middle = len(page) // 2
    return f"{page[:middle]}\n\n{item}\n\n{page[middle:]}"


def recall(index, table, items_per_task: int, pages: list[str], seed: int) -> dict:
    rng = random.Random(seed)
    rows = rows_by_id()
    indexed = {}
    for item, source, kind, ngrams in zip(*(table.column(c).to_pylist() for c in ("id", "source", "kind", "ngrams")), strict=True):
        if kind == "benchmark" and ngrams > 0:
            indexed.setdefault(source, []).append(item)
    results = {}
    for task, ids in sorted(indexed.items()):
        sample = rng.sample(ids, min(items_per_task, len(ids)))
        found, missed = {kind: 0 for kind in KINDS}, []
        for item in sample:
            page = rng.choice(pages)
            for kind in KINDS:
                hit = any(match.item == item for match in index.matches(leak(kind, rows[item], page, rng), limit=1000))
                found[kind] += hit
                if not hit and kind == "verbatim":
                    missed.append(item)
        results[task] = {"planted": len(sample), **{kind: found[kind] / len(sample) for kind in KINDS},
                         "verbatim_missed": missed}
    total = sum(r["planted"] for r in results.values())
    results["all"] = {"planted": total, **{kind: sum(r[kind] * r["planted"] for r in results.values()) / total for kind in KINDS},
                      "verbatim_missed": [item for r in results.values() for item in r["verbatim_missed"]]}
    return results


def false_positives(index, items: dict) -> dict:
    """Every real page checked; each flagged page with what it shares, and the pages per folder."""
    from support.real_documents import real_documents

    pages: dict[str, int] = {}
    flagged = []
    for document in real_documents(DATA):
        folder = "/".join(document.source.split("/")[:2])
        pages[folder] = pages.get(folder, 0) + 1
        for match in index.matches(document.text):
            if _is_own_source(match.source, document.source):
                continue  # the held-out domain's own file: a mix drops these pages by id before any n-gram check
            flagged.append({"page": document.source, "item": match.item, "ngrams": match.ngrams, "ngram": match.example,
                            "item_text": items[match.item].preview[:200], "page_excerpt": _around(document.text, match.example)})
    return {"pages": sum(pages.values()), "pages_per_folder": pages, "flagged_pages": len({f["page"] for f in flagged}),
            "flagged": flagged}


def _is_own_source(domain: str, page: str) -> bool:
    """The held-out C4 pages are the C4 sample's every 5th page; the English corpus is the NLTK zips' texts."""
    return (domain == "c4" and page.startswith("web/olmo_c4/c4-sample")) or (
        domain == "english_corpus" and page.startswith(("corpus/nltk/inaugural", "corpus/nltk/state_union")))


def _around(text: str, ngram: str, width: int = 200) -> str:
    """The page's text around the first word of the shared n-gram (found case-insensitively)."""
    first = ngram.split()[0] if ngram else ""
    at = text.lower().find(first)
    return text[max(0, at - 40):at + width].replace("\n", " ") if at >= 0 else text[:width]


def c4_pages(count: int) -> list[str]:
    import gzip

    with gzip.open(DATA / "web" / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as lines:
        return [json.loads(line)["text"] for number, line in enumerate(lines) if number % 5 and number < count * 2][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items-per-task", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}-decontamination.json")
    args = parser.parse_args()
    started = time.time()
    index, table, items = build_index()
    built = time.time() - started
    too_short = {}
    for source, kind, ngrams in zip(*(table.column(c).to_pylist() for c in ("source", "kind", "ngrams")), strict=True):
        if kind == "benchmark":
            counts = too_short.setdefault(source, {"items": 0, "not_indexed": 0})
            counts["items"] += 1
            counts["not_indexed"] += ngrams == 0
    result = {"ngram_size": 13, "index_seconds": round(built, 1), "index_ngrams": len(index.hashes),
              "items_not_indexed": too_short, "recall": recall(index, table, args.items_per_task, c4_pages(400), args.seed)}
    checked = time.time()
    result["false_positives"] = false_positives(index, items)
    result["scan_seconds"] = round(time.time() - checked, 1)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "false_positives"}, indent=1))
    fp = result["false_positives"]
    print(f"{fp['flagged_pages']} of {fp['pages']} real pages flagged:")
    for row in fp["flagged"]:
        print(f"- {row['page']}: {row['item']} ({row['ngrams']} n-grams) '{row['ngram']}'")


if __name__ == "__main__":
    main()
