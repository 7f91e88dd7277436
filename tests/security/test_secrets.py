"""Secrets come only from the environment, through Dagster's ``EnvVar``, and are never written down.

The settings file may name a secret's variable (``api_key: {env: FACTORY_GENERATOR_API_KEY}``), never hold its
value. The end-to-end test sets a unique S3 secret key and generator API key, runs real materializations on an
S3 store (moto) through Dagster (raw_crawl twice, and synthetic through its Pipes worker against an
OpenAI-compatible server that checks the key), then searches for both values in every object of the store
(Parquet and gzip read back), every cell of the Dagster instance's SQLite databases (compressed snapshots
inflated), its compute logs, everything printed or logged, and the output of `factory lineage --json` and
`factory diff`: neither may appear anywhere.
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from dagster import DagsterInstance, EnvVar, MultiPartitionKey, asset, materialize
from typer.testing import CliRunner

from factory import settings
from factory.crawl.sources import chunk_key, chunk_of
from factory.settings import SettingsError
from factory.store.writer import open_writer
from support.categories import classifier_in
from resources import CrawlResource
from resources.generator import GeneratorResource

API_KEY_VARIABLE = "FACTORY_GENERATOR_API_KEY"
DUMP, RECIPE = "olmo_c4", "finephrase_faq"


def test_a_plain_secret_in_the_settings_file_is_refused_without_echoing_it(tmp_path, monkeypatch):
    from assets.definitions import build_resources

    secret = f"sekret-{uuid.uuid4().hex}"
    (tmp_path / "factory.yaml").write_text(yaml.safe_dump({"resources": {"generator": {"api_key": secret}}}))
    monkeypatch.setenv("FACTORY_SETTINGS", str(tmp_path / "factory.yaml"))
    with pytest.raises(SettingsError) as error:
        build_resources()
    assert "resources.generator.api_key is a secret" in str(error.value) and "{env: FACTORY_GENERATOR_API_KEY}" in str(error.value)
    assert secret not in str(error.value)


def test_a_secret_given_as_an_env_reference_is_an_envvar_and_reaches_the_generator_only_when_resolved(tmp_path, monkeypatch):
    from assets.definitions import build_resources

    secret = f"sekret-{uuid.uuid4().hex}"
    (tmp_path / "factory.yaml").write_text("resources:\n  generator:\n    api_key: {env: MY_SERVER_KEY}\n")
    monkeypatch.setenv("FACTORY_SETTINGS", str(tmp_path / "factory.yaml"))
    monkeypatch.setenv("MY_SERVER_KEY", secret)
    generator = build_resources()["generator"]
    assert isinstance(generator.api_key, EnvVar) and generator.api_key.env_var_name == "MY_SERVER_KEY"
    with generator.process_config_and_initialize_cm() as resolved:  # what Dagster does when a run starts
        assert resolved.resolved_api_key() == secret
        assert resolved.worker_env() == {API_KEY_VARIABLE: secret}  # for a Pipes worker: its environment, not its extras


def test_an_invalid_generator_setting_never_echoes_the_resolved_key(monkeypatch):
    secret = f"sekret-{uuid.uuid4().hex}"
    with pytest.raises(ValueError) as error:  # as Dagster rebuilds it at run start, with the key resolved
        GeneratorResource(backend="tgi", api_key=secret)
    assert "backend 'tgi' is unknown" in str(error.value) and secret not in str(error.value)


@asset
def needs_generator(generator: GeneratorResource) -> None:
    """A cheap asset that asks for the generator, so the generator's config is part of the run's job snapshot."""
    del generator


def test_the_scan_finds_a_key_given_as_a_plain_value_in_the_run_storage(tmp_path):
    """Why EnvVar: a resource field's plain value becomes a default in the job snapshot Dagster stores with each run
    (and the UI shows); as an EnvVar only the variable's name does. The scan below is the one the main test uses."""
    secret = f"sekret-{uuid.uuid4().hex}"
    found = {}
    for how, key in (("plain", secret), ("env", EnvVar("TEST_SERVER_KEY"))):
        home = tmp_path / how
        home.mkdir()
        generator = GeneratorResource(backend="openai", base_url="http://127.0.0.1:9/v1", model="m", api_key=key)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TEST_SERVER_KEY", secret)
            with DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) as instance:
                assert materialize([needs_generator], resources={"generator": generator}, instance=instance).success
        found[how] = sorted(name for name, text in _instance_texts(home).items() if secret in text)
    assert found["plain"] == ["history/runs.db"] and found["env"] == []


class FakeOpenAIServer:
    """An OpenAI-compatible chat endpoint on 127.0.0.1 that records the bearer tokens it was sent."""

    def __init__(self):
        self.tokens: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                outer.tokens.append(self.headers.get("Authorization", ""))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                n = len(outer.tokens)
                text = (f"## Frequently asked questions\nQ: What is covered in part {n}?\nA: It explains {n} distinct ideas "
                        f"with clear examples, careful reasoning and a short summary for readers number {n}.")
                answer = {"id": f"c-{n}", "object": "chat.completion", "created": 0, "model": body["model"],
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                          "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140}}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _write_source(store, web_data: Path) -> None:
    """Four real C4 pages as the dump's committed `deduped` documents (what curation would have written)."""
    from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, dump_partition
    from factory.models import count_tokens

    with gzip.open(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        records = [json.loads(line) for _, line in zip(range(60), handle)]
    texts = [r["text"] for r in records]
    rows = [{"id": f"c4-{i}", "text": t, "url": r.get("url", ""), "dump": DUMP, "source_file": "c4.json.gz", "tokens": n, "metadata": "{}"}
            for i, (r, t, n) in enumerate(zip(records, texts, count_tokens(texts), strict=True)) if 80 <= n <= 400][:4]
    writer = open_writer(store, "deduped", dump_partition(DUMP), code_version="test", config={"ids": [r["id"] for r in rows]})
    with writer.part(0) as part:
        part.write_table(DOCUMENTS, pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
        part.count(documents=len(rows))
    writer.commit()


def _store_texts(endpoint: str, bucket: str) -> dict[str, str]:
    """Every object of the bucket as text: raw bytes, gzip inflated, Parquet read back row by row with its metadata."""
    client = boto3.client("s3", endpoint_url=endpoint)
    texts = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            data = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            parts = [data.decode("utf-8", "replace")]
            if item["Key"].endswith(".gz"):
                parts.append(gzip.decompress(data).decode("utf-8", "replace"))
            if item["Key"].endswith(".parquet"):
                table = pq.read_table(io.BytesIO(data))
                parts += [json.dumps(table.to_pylist(), default=str), str(table.schema.metadata)]
            texts[item["Key"]] = "\n".join(parts)
    return texts


def _instance_texts(home: Path) -> dict[str, str]:
    """Every file under the Dagster instance's folder; SQLite databases cell by cell, zlib-compressed cells inflated."""
    texts = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        parts = [data.decode("utf-8", "replace")]
        if data.startswith(b"SQLite format 3"):
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                    for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - table names from sqlite_master
                        for cell in row:
                            if isinstance(cell, bytes):
                                try:
                                    cell = zlib.decompress(cell)
                                except zlib.error:
                                    pass
                                cell = cell.decode("utf-8", "replace")
                            parts.append(str(cell))
        texts[str(path.relative_to(home))] = "\n".join(parts)
    return texts


def test_secrets_never_reach_the_store_the_instance_the_logs_or_the_audit_output(
        tmp_path, monkeypatch, capfd, caplog, s3_endpoint, s3_bucket, web_data):
    import s3fs

    from assets.cli import app
    from assets.crawl import raw_crawl
    from assets.definitions import build_resources
    from assets.synthetic import synthetic, synthetic_key
    from factory.store import Store

    aws_secret, api_secret = f"sekret-aws-{uuid.uuid4().hex}", f"sekret-api-{uuid.uuid4().hex}"
    access_key = f"AKIASEKRET{uuid.uuid4().hex[:10].upper()}"
    secrets = {"AWS_SECRET_ACCESS_KEY": aws_secret, API_KEY_VARIABLE: api_secret, "AWS_ACCESS_KEY_ID": access_key}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()  # every S3 client of this test starts from the credentials above
    root = f"s3://{s3_bucket}/factory"
    monkeypatch.setenv("FACTORY_STORE", root)
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    model = tmp_path / "served-model"  # the server's model, by content: a folder the step can hash
    model.mkdir()
    (model / "config.json").write_text("{}")
    home = tmp_path / "dagster"
    home.mkdir()

    server = FakeOpenAIServer()
    with server as base_url:
        (tmp_path / "factory.yaml").write_text(yaml.safe_dump({
            "crawl_source": str(web_data),
            "resources": {
                "generator": {"backend": "openai", "base_url": base_url, "model": str(model), "served_model": "served",
                              "api_key": {"env": API_KEY_VARIABLE}, "concurrency": 2},
                # four 64-token outputs of the 135M model: scored, not gated (the gate could reject all four; secrets are tested)
                "synthetic_settings": {"recipes": [RECIPE], "dumps": [DUMP], "max_documents": 4, "chunk_size": 4, "max_tokens": 64,
                                       "unfaithful_min_score": None},
            },
        }))
        monkeypatch.setenv("FACTORY_SETTINGS", str(tmp_path / "factory.yaml"))
        resources = build_resources()
        assert isinstance(resources["generator"].api_key, EnvVar)
        _write_source(Store(root), web_data)
        classifier_in(Store(root))  # synthetic's other input
        chunk = chunk_key(chunk_of("c4-sample.00000-of-00001.json.gz", settings.chunk_count()))
        with DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) as instance:
            instance.add_dynamic_partitions("dumps", [DUMP])
            instance.add_dynamic_partitions("recipes", [RECIPE])
            for mode in ("listing", "full"):  # two versions of one partition, for `factory diff`
                crawl = CrawlResource(index_mode=mode)
                result = materialize([raw_crawl], partition_key=MultiPartitionKey({"dump": DUMP, "chunk": chunk}), instance=instance,
                                     resources={**resources, "crawl": crawl})
                assert result.success
            result = materialize([synthetic], partition_key=synthetic_key(DUMP, RECIPE), instance=instance, resources=resources)
            assert result.success
        lineage = CliRunner().invoke(app, ["lineage", "synthetic", f"dump={DUMP}/recipe={RECIPE}", "--json"])
        diff = CliRunner().invoke(app, ["diff", "raw_crawl", f"dump={DUMP}/chunk={chunk}"])
        diff_json = CliRunner().invoke(app, ["diff", "raw_crawl", f"dump={DUMP}/chunk={chunk}", "--json"])
    s3fs.S3FileSystem.clear_instance_cache()

    # The secrets were really in use: the server got the key, the store holds the step's output.
    assert server.tokens and set(server.tokens) == {f"Bearer {api_secret}"}
    store_texts = _store_texts(s3_endpoint, s3_bucket)
    assert any(key.startswith("factory/synthetic/") and key.endswith("_manifest.json") for key in store_texts)
    assert any("Frequently asked questions" in text for key, text in store_texts.items() if key.endswith(".parquet"))
    assert lineage.exit_code == 0 and diff.exit_code == 0 and diff_json.exit_code == 0, lineage.output + diff.output
    assert json.loads(lineage.output) and "index_mode" in diff.output  # real output: the tree, and what differs
    instance_texts = _instance_texts(home)
    assert any(API_KEY_VARIABLE in text for text in instance_texts.values())  # the snapshot holds the variable's name
    captured = capfd.readouterr()
    outputs = {"stdout": captured.out, "stderr": captured.err, "logging": caplog.text, "factory lineage --json": lineage.output,
               "factory diff": diff.output, "factory diff --json": diff_json.output}

    leaks = [f"{name} in {where}" for where, text in [*(("store " + k, t) for k, t in store_texts.items()),
                                                       *(("instance " + k, t) for k, t in instance_texts.items()),
                                                       *outputs.items()]
             for name, value in secrets.items() if value in text]
    assert not leaks, "secrets written down:\n" + "\n".join(leaks)
