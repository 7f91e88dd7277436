"""The named defaults a plan falls back on when the store has not measured a figure.

Each default says where its number comes from, and every figure built on one is labelled
``assumed`` in the plan, so a reader can tell a measured cost from a guess and knows which
partition to materialize to replace it. Materializing one chunk of the dump replaces the
curation defaults; one synthetic or proxy run on a GPU replaces the GPU ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from factory.training.mfu import PEAK_BF16_FLOPS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Default:
    value: float
    unit: str
    basis: str


# -- the crawl ------------------------------------------------------------------------------
WARC_GB = Default(1.1, "GB", "Common Crawl's nominal ~1 GiB (1.07-1.2 GB) compressed WARC files")
BYTES_PER_RECORD = Default(
    36_700, "B/record",
    "about 30,000 HTML responses per ~1.1 GB Common Crawl WARC (2024 crawls: ~2.7 billion pages in ~90,000 WARCs)",
)

# -- curation (bench/results/curation.json and docs/curation.md, 2-core machine) ---------------
FILTERED_CPU_S_PER_DOC = Default(
    1 / 32.75, "CPU-s/doc",
    "bench/results/curation.json: 32.75 documents per CPU-second through `filtered` (trafilatura, one worker, "
    "5,000 WebOrganizer pages in a WARC)",
)
FILTERED_KEEP_RATE = Default(
    0.65, "kept/in",
    "bench/results/curation.json: 3,250 of 5,000 English DCLM-pool pages kept; raw Common Crawl (half of it not "
    "English) keeps fewer",
)
TOKENS_PER_KEPT_DOC = Default(
    800, "tokens/doc",
    "docs/curation.md: the demo's WebOrganizer dump, 1.53 M SmolLM2 tokens over 1,916 kept documents",
)
BYTES_PER_KEPT_DOC = Default(
    1_600, "B/doc", "docs/planning.md: 1,613 B of zstd Parquet per kept WebOrganizer page in `filtered`, measured once",
)
BYTES_PER_REMOVED_DOC = Default(
    1_550, "B/doc", "docs/planning.md: 1,549 B per removed page (text and reason kept) in `filtered`, measured once",
)
DEDUP_CPU_S_PER_DOC = Default(
    1 / 85.3, "CPU-s/doc",
    "docs/curation.md: `deduped` (exact + MinHash + pair check) at 85.3 documents/s in process on 3,553 pages",
)
DEDUP_KEEP_RATE = Default(
    1.0, "kept/in", "nothing removed: an upper bound on deduplicated tokens until a `deduped` partition is measured",
)
DEDUP_OTHER_BYTES_PER_DOC = Default(
    900, "B/doc", "the MinHash index: 14 buckets x 8 hashes x 8 bytes = 896 B per document (893 B measured once, "
    "docs/planning.md), plus the cluster table",
)
TOKENIZE_CPU_S_PER_TOKEN = Default(
    4e-6, "CPU-s/token", "README: the demo's mix stage tokenizes and writes 1 M tokens in about 4 s on one core",
)

# -- GPUs -------------------------------------------------------------------------------------
GENERATION_TOKENS_PER_S = Default(
    4_750, "output tok/s/GPU", "~4,750 output tokens/s per H100 for SmolLM2-1.7B-Instruct with vLLM (bf16), the figure "
    "the project quotes; no GPU generation measured in this store",
)
GENERATION_OUTPUT_RATIO = Default(
    1.0, "out/in tokens", "a rephrasing about as long as its prompt; no synthetic partition measured in this store",
)
MFU = Default(0.40, "MFU", "40% model FLOPs utilisation, typical of a well-tuned single-node bf16 Llama run")
PEAK_FLOPS = Default(PEAK_BF16_FLOPS["H100"], "FLOP/s", "H100 SXM dense bf16 peak (factory/training/mfu.py)")
