"""A bad settings file fails when the resources are built, before any run: the error names the resource key,
the field, the value given and what is valid. Each case is a real factory.yaml read by ``build_resources()``,
the function the UI, the dagster CLI, the sensors and the demo all use."""

from __future__ import annotations

import json

import pytest
import yaml

from assets.definitions import build_resources
from factory import settings
from factory.settings import SettingsError


def overrides(sections: dict) -> dict:
    return {"overrides_json": json.dumps(sections)}


# (resources section of factory.yaml, fragments the error must contain: the key, the value, what is valid)
BAD_RESOURCES = {
    "unknown filter": ({"curation_settings": overrides({"curation": {"gopher_qualty": {"min_doc_words": 30}}})},
                       ["resources.curation_settings", "gopher_qualty", "gopher_quality", "fineweb_quality"]),
    "unknown filter field": ({"curation_settings": overrides({"curation": {"fineweb_quality": {"line_punct": 0.1}}})},
                             ["resources.curation_settings", "fineweb_quality.line_punct", "line_punct_thr"]),
    "unknown top-level curation section": ({"curation_settings": overrides({"curaton": {}})},
                                           ["resources.curation_settings", "curaton", "'curation' and 'dedup'"]),
    "negative threshold": ({"curation_settings": overrides({"curation": {"gopher_quality": {"min_doc_words": -3}}})},
                           ["resources.curation_settings", "gopher_quality.min_doc_words", ">= 0", "-3"]),
    "fraction out of range": ({"curation_settings": overrides({"curation": {"language": {"language_threshold": 1.5}}})},
                              ["resources.curation_settings", "language.language_threshold", "[0, 1]", "1.5"]),
    "threshold of the wrong type": ({"curation_settings": overrides({"curation": {"language": {"language_threshold": "high"}}})},
                                    ["resources.curation_settings", "wrong type", "language_threshold", "high"]),
    "unknown filter implementation": ({"curation_settings": {"filters": "rust"}},
                                      ["resources.curation_settings", "filters", "'rust'", "fast", "datatrove"]),
    "unknown extractor": ({"curation_settings": {"extractor": "lynx"}},
                          ["resources.curation_settings", "extractor", "lynx", "trafilatura"]),
    "dedup setting out of range": ({"curation_settings": overrides({"dedup": {"num_buckets": 0}})},
                                   ["resources.curation_settings", "num_buckets", ">= 1", "0"]),
    "dedup setting of the wrong type": ({"curation_settings": overrides({"dedup": {"n_grams": "five"}})},
                                        ["resources.curation_settings", "n_grams must be an integer", "five"]),
    "dedup switch that is not a boolean": ({"curation_settings": overrides({"dedup": {"exact": "no"}})},
                                           ["resources.curation_settings", "exact must be true or false", "'no'"]),
    "dedup count that is not an integer": ({"curation_settings": overrides({"dedup": {"num_buckets": 2.5}})},
                                           ["resources.curation_settings", "num_buckets must be an integer", "2.5"]),
    "unknown dedup setting": ({"curation_settings": overrides({"dedup": {"buckets": 14}})},
                              ["resources.curation_settings", "buckets", "num_buckets"]),
    "drift band of the wrong type": ({"curation_settings": {"drift_band": "wide"}},
                                     ["resources.curation_settings", "drift_band", "valid number", "'wide'"]),
    "drift band out of range": ({"curation_settings": {"drift_band": 2}}, ["resources.curation_settings", "drift_band", "[0, 1]", "2"]),
    "record cap not positive": ({"curation_settings": {"max_documents_per_file": 0}},
                                ["resources.curation_settings", "max_documents_per_file", ">= 1", "0"]),
    "curation file missing": ({"curation_settings": {"config_file": "/no/such/curation.yaml"}},
                              ["resources.curation_settings", "config_file", "/no/such/curation.yaml", "cannot be read"]),
    "overrides not JSON": ({"curation_settings": {"overrides_json": "{curation: x"}},
                           ["resources.curation_settings", "overrides_json", "not valid JSON", "{curation: x"]),
    "unknown recipe": ({"synthetic_settings": {"recipes": ["finephrase_faqq"]}},
                       ["resources.synthetic_settings", "recipes", "finephrase_faqq", "finephrase_faq'"]),
    "recipe name that climbs": ({"synthetic_settings": {"recipes": ["../../etc/passwd"]}},
                                ["resources.synthetic_settings", "recipes", "../../etc/passwd", "finephrase_faq"]),
    "dump that climbs": ({"synthetic_settings": {"dumps": ["../x"]}}, ["resources.synthetic_settings", "dumps entry", "'../x'", "not allowed"]),
    "share out of range": ({"synthetic_settings": {"copied_max_share": 1.5}},
                           ["resources.synthetic_settings", "copied_max_share", "[0, 1]", "1.5"]),
    "negative share": ({"synthetic_settings": {"min_accepted_share": -0.1}}, ["resources.synthetic_settings", "min_accepted_share", "-0.1"]),
    "unknown truncation": ({"synthetic_settings": {"truncated": "cut"}}, ["resources.synthetic_settings", "truncated", "'cut'", "'trim'"]),
    "size of the wrong type": ({"synthetic_settings": {"chunk_size": "big"}},
                               ["resources.synthetic_settings", "chunk_size", "valid integer", "'big'"]),
    "size not positive": ({"synthetic_settings": {"max_tokens": -1}}, ["resources.synthetic_settings", "max_tokens", ">= 1", "-1"]),
    "missing mix folder": ({"mix_recipes": {"folder": "/no/such/mixes"}}, ["resources.mix_recipes", "folder", "/no/such/mixes", "does not exist"]),
    "unknown proxy config": ({"trainer": {"config": "proxy-9b"}}, ["resources.trainer", "proxy-9b", "decide-cpu", "tiny-cpu"]),
    "no seeds": ({"trainer": {"seeds": 0}}, ["resources.trainer", "seeds", ">= 1", "0"]),
    "unknown evaluation task": ({"evaluator": {"tasks": ["mmlu_pro"]}}, ["resources.evaluator", "mmlu_pro", "arc_easy"]),
    "evaluation limit not positive": ({"evaluator": {"limit": 0}}, ["resources.evaluator", "limit", "positive", "0"]),
    "unknown executor": ({"executor": {"kind": "dask"}}, ["resources.executor", "kind", "'dask'", "'ray'"]),
    "unknown GPU launcher": ({"gpu_launcher": {"kind": "nomad"}}, ["resources.gpu_launcher", "kind", "'nomad'", "'k8s'"]),
    "k8s launcher without image": ({"gpu_launcher": {"kind": "k8s"}}, ["resources.gpu_launcher", "k8s", "image"]),
    "unknown generator backend": ({"generator": {"backend": "tgi"}}, ["resources.generator", "backend", "'tgi'", "'vllm'"]),
    "openai backend without a server": ({"generator": {"backend": "openai"}}, ["resources.generator", "base_url", "openai"]),
    "server URL without scheme": ({"generator": {"backend": "openai", "base_url": "localhost:8000"}},
                                  ["resources.generator", "base_url", "'localhost:8000'", "http"]),
    "no concurrency": ({"generator": {"concurrency": 0}}, ["resources.generator", "concurrency", ">= 1", "0"]),
    "confidence out of range": ({"decisions": {"confidence": 1.5}}, ["resources.decisions", "confidence", "[0.5, 1)", "1.5"]),
    "unknown primary metric": ({"decisions": {"primary_metric": "perplexity"}}, ["resources.decisions", "primary_metric", "perplexity", "task_bpb"]),
    "store with an unknown protocol": ({"store": {"root": "gs://bucket/factory"}}, ["resources.store", "root", "gs://bucket/factory", "s3://"]),
    "store with an invalid bucket": ({"store": {"root": "s3://My_Bucket/factory"}}, ["resources.store", "root", "My_Bucket", "bucket name"]),
    "S3 endpoint without scheme": ({"store": {"root": "s3://bucket/factory", "endpoint_url": "minio:9000"}},
                                   ["resources.store", "endpoint_url", "minio:9000", "http"]),
    "crawl dump id that climbs": ({"crawl": {"source": "commoncrawl:CC-MAIN-2024-18,../../etc"}},
                                  ["resources.crawl", "source", "../../etc", "not allowed"]),
    "crawl folder with an unknown protocol": ({"crawl": {"source": "gopher://host/dumps"}},
                                              ["resources.crawl", "source", "gopher://host/dumps", "s3://"]),
    "unknown index mode": ({"crawl": {"index_mode": "fast"}}, ["resources.crawl", "index_mode", "'fast'", "'listing'"]),
    "unknown resource": ({"storage": {"root": "/tmp/x"}}, ["unknown resource", "storage", "store"]),
    "unknown field": ({"store": {"rooot": "/tmp/x"}}, ["resources.store", "rooot", "root"]),
}


def write_settings(tmp_path, monkeypatch, content) -> None:
    path = tmp_path / "factory.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    monkeypatch.setenv("FACTORY_SETTINGS", str(path))


@pytest.mark.parametrize("case", sorted(BAD_RESOURCES))
def test_a_bad_resource_setting_fails_when_the_resources_are_built_naming_key_value_and_choices(case, tmp_path, monkeypatch):
    resources, fragments = BAD_RESOURCES[case]
    write_settings(tmp_path, monkeypatch, {"resources": resources})
    with pytest.raises(SettingsError) as error:
        build_resources()
    message = str(error.value)
    assert str(tmp_path / "factory.yaml") in message
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} missing from: {message}"
    assert "errors.pydantic.dev" not in message  # one line per problem, not pydantic's report


def test_an_unknown_filter_in_a_curation_file_names_the_file_and_the_filter(tmp_path, monkeypatch):
    curation = tmp_path / "curation.yaml"
    curation.write_text("curation:\n  langauge: {language_threshold: 0.5}\n")
    write_settings(tmp_path, monkeypatch, {"resources": {"curation_settings": {"config_file": str(curation)}}})
    with pytest.raises(SettingsError, match=r"resources.curation_settings: unknown curation setting\(s\) \['langauge'\].*'language'"):
        build_resources()


@pytest.mark.parametrize(("content", "fragments"), [
    ("resources: [store]\n", ["resources must map resource keys", "['store']"]),
    ("resources:\n  store: s3://bucket\n", ["resources.store must map field names", "s3://bucket"]),
    ("crawl_source: [a, b]\n", ["crawl_source must be text", "['a', 'b']"]),
    ("crawl: x\n", ["unknown key(s) ['crawl']", "crawl_source"]),
    ("- a list\n", ["expected a mapping", "list"]),
    ("resources: {store: {root: [unclosed\n", ["not valid YAML"]),
])
def test_a_malformed_settings_file_names_what_is_wrong(content, fragments, tmp_path, monkeypatch):
    write_settings(tmp_path, monkeypatch, content)
    with pytest.raises(SettingsError) as error:
        build_resources()
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.parametrize(("variable", "value", "fragments"), [
    ("FACTORY_STORE", "gs://bucket/factory", ["FACTORY_STORE", "gs://bucket/factory", "unknown protocol"]),
    ("FACTORY_S3_ENDPOINT", "minio:9000", ["FACTORY_S3_ENDPOINT", "minio:9000", "http"]),
    ("FACTORY_GPU_LAUNCHER", "nomad", ["resources.gpu_launcher", "FACTORY_GPU_LAUNCHER", "'nomad'"]),
    ("FACTORY_EXECUTOR", "dask", ["resources.executor", "'dask'", "'ray'"]),
    ("FACTORY_PROXY_CONFIG", "proxy-9b", ["resources.trainer", "proxy-9b", "tiny-cpu"]),
    ("FACTORY_EVAL_LIMIT", "lots", ["resources.evaluator", "FACTORY_EVAL_LIMIT", "'lots'"]),
    ("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", "many", ["resources.curation_settings", "FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", "'many'"]),
    ("FACTORY_CRAWL", "commoncrawl:../x", ["resources.crawl", "FACTORY_CRAWL", "'../x'"]),
])
def test_a_bad_environment_fallback_fails_when_the_resources_are_built(variable, value, fragments, monkeypatch):
    monkeypatch.setenv("FACTORY_SETTINGS", "none")
    if variable == "FACTORY_S3_ENDPOINT":
        monkeypatch.setenv("FACTORY_STORE", "s3://bucket/factory")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        build_resources()
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_a_bad_chunk_count_names_the_variable(value, monkeypatch):
    monkeypatch.setenv("FACTORY_CHUNKS", value)
    with pytest.raises(SettingsError, match=rf"FACTORY_CHUNKS must be .*{value}"):
        settings.chunk_count()


def test_the_shipped_settings_file_builds(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("FACTORY_SETTINGS", str(Path(__file__).resolve().parents[2] / "factory.yaml"))
    resources = build_resources()
    assert resources["synthetic_settings"].recipes == ["finephrase_faq"] and resources["trainer"].config == "decide-cpu"


def test_an_env_reference_is_resolved_when_the_run_starts_and_checked_then(tmp_path, monkeypatch):
    """``root: {env: NAME}`` is Dagster's EnvVar: the settings file holds the name; a bad value fails at run start."""
    from dagster import EnvVar

    write_settings(tmp_path, monkeypatch, {"resources": {"store": {"root": {"env": "TEST_FACTORY_STORE_ROOT"}}}})
    monkeypatch.setenv("TEST_FACTORY_STORE_ROOT", "gs://bucket/factory")
    store = build_resources()["store"]
    assert isinstance(store.root, EnvVar) and store.root.env_var_name == "TEST_FACTORY_STORE_ROOT"
    with pytest.raises(ValueError, match=r"root: store root 'gs://bucket/factory' has the unknown protocol 'gs'"):
        with store.process_config_and_initialize_cm():
            pass
    monkeypatch.setenv("TEST_FACTORY_STORE_ROOT", str(tmp_path / "store"))
    with store.process_config_and_initialize_cm() as resolved:  # resolved, checked and probed, as at run start
        assert resolved.get().root_uri == str(tmp_path / "store")
    assert (tmp_path / "store").is_dir()


MIX_BOUND_CASES = {
    # A demo mix whose synthetic share needs more passes than max_repeats over all the settings can generate.
    "weighted share beyond the generation cap": (
        "sources: [{asset: deduped, weight: 0.95}, {asset: synthetic, weight: 0.05}]\nmax_repeats: 10\n",
        ["mix 'demo-mix'", "synthetic[*] can hold at most 2,304 tokens", "1 dump(s) x 1 recipe(s) x max_documents 12 x "
         "max_tokens 192", "21.7 passes, over max_repeats 10", "epochs instead of a weight"]),
    # Fixed passes over a generation setting large enough to take the whole budget.
    "fixed passes beyond the budget": (
        "sources: [{asset: deduped, weight: 1}, {asset: synthetic, epochs: 4}]\nmax_repeats: 4\n",
        ["mix 'demo-mix'", "sources with epochs may give up to 9,216 tokens", "5,000-token budget", "max_documents 12"]),
}


@pytest.mark.parametrize("case", sorted(MIX_BOUND_CASES))
def test_a_demo_mix_the_synthetic_settings_make_impossible_fails_before_any_run(case, tmp_path, monkeypatch):
    body, fragments = MIX_BOUND_CASES[case]
    budget = 1_000_000 if "weighted" in case else 5_000
    mixes = tmp_path / "mixes"
    mixes.mkdir()
    (mixes / "demo-mix.yaml").write_text(f"name: demo-mix\ndemo: true\ntotal_tokens: {budget}\n{body}")
    synthetic = {"recipes": ["finephrase_faq"], "dumps": ["weborganizer"], "max_documents": 12, "max_tokens": 192}
    write_settings(tmp_path, monkeypatch, {"resources": {"synthetic_settings": synthetic,
                                                          "mix_recipes": {"folder": str(mixes), "only_demo": True}}})
    with pytest.raises(SettingsError) as error:
        build_resources()
    for fragment in fragments:
        assert fragment in str(error.value), f"{case}: {fragment!r} missing from: {error.value}"
    # The same mix with room to spare builds: a larger budget for the fixed passes, fewer passes for the share.
    fixed = body.replace("weight: 0.05", "epochs: 4").replace("max_repeats: 10", "max_repeats: 4")
    (mixes / "demo-mix.yaml").write_text(f"name: demo-mix\ndemo: true\ntotal_tokens: 1000000\n{fixed}")
    build_resources()


def test_the_shipped_demo_mixes_fit_any_generation_setting(monkeypatch):
    """The demo's synthetic candidate takes fixed passes: no max_documents can make it impossible (down to one page,
    and up to the cap where four passes of every output would fill the budget)."""
    from factory.mixing import load_recipes
    from factory.mixing.bounds import SourceBound, mix_bound_problems

    demo = {name: recipe for name, recipe in load_recipes().items() if recipe.demo}
    for pages in (1, 12, 1000):
        assert mix_bound_problems(demo, {"synthetic": SourceBound(pages * 192, f"{pages} pages")}) == {}, pages
    assert "web-plus-synthetic" in mix_bound_problems(demo, {"synthetic": SourceBound(300_000, "too many pages")})
