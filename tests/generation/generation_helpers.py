"""Helpers of the generation tests: a request-counting wrapper and a generator of planted outputs."""

from __future__ import annotations

from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, dump_partition
from factory.generation import Generation, GenerationRequest, Generator, GeneratorConfig
from factory.store.writer import open_writer

DUMP = "olmo_c4"
C4_FILE = "olmo_c4/c4-sample.00000-of-00001.json.gz"


def write_source(store, docs: list[dict], dump: str = DUMP, asset: str = "deduped", salt: str = "", classifier: bool = True):
    """A committed `documents` version of ``asset[dump]``, as curation would write it, and (``classifier``) the
    category classifier the synthetic step tags with, its other input."""
    import pyarrow as pa

    from support.categories import classifier_in

    if classifier:
        classifier_in(store)

    writer = open_writer(store, asset, dump_partition(dump), code_version="test", config={"salt": salt, "ids": [d["id"] for d in docs]})
    with writer.part(0) as part:
        part.write_table(DOCUMENTS, pa.Table.from_pylist(docs, schema=DOCUMENT_SCHEMA))
        part.count(documents=len(docs))
    return writer.commit()


def small_requests(recipe_names: list[str], docs: list[dict], max_tokens: int) -> list[GenerationRequest]:
    from factory.generation import load_recipe

    requests = []
    for name in recipe_names:
        recipe = load_recipe(name)
        sampling = recipe.sampling.replace(max_tokens=max_tokens)
        requests += [GenerationRequest(recipe.render(d["text"]), sampling, request_id=d["id"]) for d in docs]
    return requests



class CountingGenerator(Generator):
    """Wraps a real generator and counts the requests it was given (resume tests)."""

    def __init__(self, inner: Generator):
        super().__init__(inner.config)
        self.inner, self.backend, self.requested = inner, inner.backend, []

    @property
    def device_type(self) -> str:
        return self.inner.device_type

    def model_identity(self) -> dict:
        return self.inner.model_identity()

    def generate(self, requests):
        self.requested += [r.request_id for r in requests]
        return self.inner.generate(requests)


class PlantedGenerator(Generator):
    """Returns planted outputs chosen by a function of the request: for testing the checks and the step."""

    backend = "planted"

    def __init__(self, respond, model: str = "planted-model"):
        super().__init__(GeneratorConfig(backend="transformers", model=model))
        self.respond = respond

    @property
    def device_type(self) -> str:
        return "cpu"

    def model_identity(self) -> dict:
        return {"name": self.model, "sha256": "planted", "quantization": "none"}

    def generate(self, requests):
        return [self.respond(r) for r in requests]


def planted(text: str, finish: str = "stop") -> Generation:
    return Generation(text=text, prompt_tokens=100, output_tokens=max(1, len(text.split())), finish_reason=finish)


def source_of(request: GenerationRequest) -> str:
    """The source document inside a rendered recipe prompt."""
    return request.messages[-1]["content"].split("Document:\n", 1)[-1]


def faithful(request: GenerationRequest) -> Generation:
    """A planted output made of its source's own words (in reverse order, so it copies no n-gram): faithful to the
    source by construction, for tests of everything but the faithfulness gate."""
    words = source_of(request).split()[:80]
    return planted("Q: What does this page say?\nA: " + " ".join(reversed(words)))
