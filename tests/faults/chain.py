"""One small real chain (category_classifier and contamination_index, then raw_crawl -> filtered -> deduped ->
synthetic -> mixed -> proxy_model), run the same way by the crash tests in process and by the driver they kill
(``crash_driver.py``), so both compute the same versions."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from factory.generation.backend import Generation, Generator, GeneratorConfig

DUMP, CHUNK, MIX = "c4", "000", "crash-mix"
PARTITIONS = {"category_classifier": None, "contamination_index": None, "raw_crawl": {"dump": DUMP, "chunk": CHUNK},
              "filtered": {"dump": DUMP, "chunk": CHUNK}, "deduped": {"dump": DUMP}, "synthetic": {"dump": DUMP, "recipe": "finephrase_faq"}, "mixed": MIX,
              "proxy_model": MIX}
STEPS = tuple(PARTITIONS)
CRAWL_FILES = ("c4-sample.00000-of-00001.json.gz", "paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz")


class WordListGenerator(Generator):
    """A deterministic stand-in for an LLM: each answer lists the page's distinct words, which passes every check
    (long enough, no loops, no copied n-grams). Counts the requests it answers, so a test sees the work redone."""

    backend = "transformers"

    def __init__(self):
        super().__init__(GeneratorConfig(backend="transformers", model="word-list"))
        self.requests = 0

    @property
    def device_type(self) -> str:
        return "cpu"

    def model_identity(self) -> dict:
        return {"name": "word-list", "sha256": hashlib.sha256(b"word-list v1").hexdigest(), "quantization": "none"}

    def generate(self, requests):
        self.requests += len(requests)
        outputs = []
        for request in requests:
            words = sorted({w.strip(".,;:!?()\"'").lower() for w in request.messages[-1]["content"].split()} - {""})
            outputs.append(Generation("Q: Which words does this page use?\nA: " + ", ".join(words[:60]) + ".",
                                      prompt_tokens=100, output_tokens=60, finish_reason="stop"))
        return outputs


def make_crawl(web_data: Path, folder: Path) -> Path:
    """A dump of two real C4 files (two datatrove tasks, so two parts: a crash can fall between them)."""
    (folder / DUMP).mkdir(parents=True)
    for name in CRAWL_FILES:
        os.symlink(web_data / "olmo_c4" / name, folder / DUMP / name)
    return folder


def run_step(store, step: str, crawl: Path, generator: Generator | None = None):
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import CurationConfig, filter_chunk
    from factory.decontamination.config import DecontaminationConfig
    from factory.decontamination.step import build_index
    from factory.dedup import DedupConfig, dedup_dump
    from factory.evaluation.config import EvalConfig
    from factory.generation import load_recipe
    from factory.generation.step import SyntheticConfig, generate_synthetic
    from factory.mixing import MixRecipe
    from factory.mixing.step import build_mix
    from factory.training.config import load_proxy_config
    from factory.training.step import train_proxy
    from support.categories import classifier_in

    if step == "category_classifier":
        return classifier_in(store)
    if step == "contamination_index":
        return build_index(store, EvalConfig(), DecontaminationConfig())
    if step == "raw_crawl":
        return index_chunk(store, parse_source(str(crawl)), DUMP, CHUNK, 1)
    if step == "filtered":
        return filter_chunk(store, DUMP, CHUNK, CurationConfig.from_overrides({"max_documents_per_file": 40}))
    if step == "deduped":
        return dedup_dump(store, DUMP, [CHUNK], DedupConfig())
    if step == "synthetic":
        return generate_synthetic(store, generator or WordListGenerator(), dump=DUMP, recipe=load_recipe("finephrase_faq"),
                                  config=SyntheticConfig(chunk_size=4, max_documents=12))
    if step == "mixed":
        recipe = MixRecipe.from_dict({"name": MIX, "total_tokens": 12_000, "max_repeats": 4, "seed": 3, "sources": [
            {"asset": "deduped", "weight": 0.8}, {"asset": "synthetic", "weight": 0.2}]})
        return build_mix(store, recipe, shard_tokens=3_000)
    if step == "proxy_model":
        return train_proxy(store, MIX, load_proxy_config("test-micro").with_overrides(seeds=2))
    raise ValueError(f"unknown step {step!r}: expected one of {STEPS}")
