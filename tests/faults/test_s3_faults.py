"""S3 faults cost retries, never data. raw_crawl -> filtered -> deduped -> mixed on a bucket behind a proxy that
fails 10% or 20% of requests (500 InternalError, 503 SlowDown, dropped connections) commits the same versions,
with the same content hashes, as the same pipeline on a fault-free bucket. And the proxy itself is a faithful
pass-through that fails exactly as asked. Real C4 pages from ../shared/data/web; moto as the S3 endpoint."""

from __future__ import annotations

import http.client
import io
import os
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.retries.standard import ExponentialBackoff
from s3fs import S3FileSystem

from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
from factory.dedup import DedupConfig, dedup_dump
from factory.mixing import MixRecipe
from factory.mixing.step import build_mix
from factory.store import Manifest, StorageOptions, Store
from factory.store.filesystem import S3_MAX_ATTEMPTS, S3_RETRY_MODE
from support.categories import classifier_in
from support.contamination import index_in
from support.s3_fault_proxy import (
    DROPPED_CONNECTION,
    FAULT_KINDS,
    INTERNAL_ERROR,
    SLOW_DOWN,
    S3FaultProxy,
)

DUMP = "c4"
CRAWL_FILE = "olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz"  # 10 real C4 pages
DEDUP = DedupConfig(num_buckets=2)  # 2 MinHash buckets, not 14: a third of the S3 requests, same code paths
MIX = {"name": "faults", "total_tokens": 5000, "max_repeats": 1, "seed": 7,
       "sources": [{"asset": "deduped", "weight": 1.0}]}
# botocore's backoff, compressed 10x so that ~100 retries fit the test's time: the same exponential, jittered
# schedule and the same retry decisions; only the waits are shorter. bench/soak.py runs with the real waits.
BACKOFF_SCALE = 0.1


@pytest.fixture(scope="module")
def crawl_dir(web_data: Path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crawl")
    (root / DUMP).mkdir()
    os.symlink(web_data / CRAWL_FILE, root / DUMP / Path(CRAWL_FILE).name)
    return root


def new_bucket(endpoint: str) -> str:
    name = f"faults-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


def run_pipeline(endpoint: str, crawl_dir: Path, tmp_path: Path) -> dict[str, Manifest]:
    """Every step on a fresh bucket reached through ``endpoint``; the committed manifest of each."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACTORY_S3_ENDPOINT", endpoint)
        patch.setenv("FACTORY_HOME", str(tmp_path / "home"))
        store = Store(f"s3://{new_bucket(endpoint)}/store", StorageOptions(endpoint_url=endpoint))
        steps = {
            "raw_crawl": lambda: index_chunk(store, parse_source(str(crawl_dir)), DUMP, "000", chunks=1),
            "category_classifier": lambda: classifier_in(store),
            "filtered": lambda: filter_chunk(store, DUMP, "000", CurationConfig(), ExecutorSpec(workers=1)),
            "deduped": lambda: dedup_dump(store, DUMP, ["000"], DEDUP, ExecutorSpec(workers=1)),
            "contamination_index": lambda: index_in(store),
            "mixed": lambda: build_mix(store, MixRecipe.from_dict(MIX), executor=ExecutorSpec(workers=1)),
        }
        manifests = {}
        for name, step in steps.items():
            result = step()
            assert not result.reused, f"{name} reused a version on a fresh bucket"
            manifests[name] = result.manifest
        return manifests


@pytest.fixture(scope="module")
def clean_run(s3_endpoint, crawl_dir, tmp_path_factory) -> dict[str, Manifest]:
    """The pipeline straight on moto, no proxy: the versions every faulty run must reproduce."""
    return run_pipeline(s3_endpoint, crawl_dir, tmp_path_factory.mktemp("clean"))


def compress_backoff(monkeypatch, scale: float) -> None:
    original = ExponentialBackoff.delay_amount
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: scale * original(self, context))


@pytest.fixture
def fast_backoff(monkeypatch):
    compress_backoff(monkeypatch, BACKOFF_SCALE)


@pytest.mark.parametrize("rate", [0.1, 0.2])
def test_every_step_commits_the_fault_free_versions_through_s3_faults(rate, s3_endpoint, crawl_dir, clean_run,
                                                                     fast_backoff, tmp_path):
    with S3FaultProxy(s3_endpoint, rate=rate, seed=int(rate * 100)) as proxy:
        faulty = run_pipeline(proxy.url, crawl_dir, tmp_path)
    counts = proxy.counts()
    assert all(counts[kind] > 0 for kind in FAULT_KINDS), f"a kind of fault was never injected: {counts}"
    assert counts["faults"] >= 0.5 * rate * counts["requests"] and counts["upstream_errors"] == 0, counts
    for step, clean in clean_run.items():
        got = faulty[step]
        assert (got.version, got.content_hash) == (clean.version, clean.content_hash), (
            f"{step} at {rate:.0%} faults: version {got.version}/{got.content_hash}, "
            f"fault-free {clean.version}/{clean.content_hash}; proxy {counts}")
        assert got.counts == clean.counts, step
    assert clean_run["mixed"].counts["tokens"] > 0 and clean_run["deduped"].counts["documents"] == 10


# -- the proxy itself ---------------------------------------------------------------------


def s3_client(endpoint: str):
    """A plain botocore client with retries off: every fault reaches the caller."""
    return boto3.client("s3", endpoint_url=endpoint,
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def test_proxy_passes_put_get_head_list_delete_through_unchanged(s3_endpoint, s3_bucket):
    payload = os.urandom(3 * 1024 * 1024 + 17)  # streamed back in many blocks
    with S3FaultProxy(s3_endpoint, rate=0.0) as proxy:
        client, direct = s3_client(proxy.url), s3_client(s3_endpoint)
        # A file object: botocore sends it after "Expect: 100-continue", aws-chunked with a trailing checksum.
        client.put_object(Bucket=s3_bucket, Key="a/big.bin", Body=io.BytesIO(payload))
        client.put_object(Bucket=s3_bucket, Key="a/empty", Body=b"")
        assert direct.get_object(Bucket=s3_bucket, Key="a/big.bin")["Body"].read() == payload
        assert client.get_object(Bucket=s3_bucket, Key="a/big.bin")["Body"].read() == payload
        ranged = client.get_object(Bucket=s3_bucket, Key="a/big.bin", Range="bytes=10-19")
        assert ranged["Body"].read() == payload[10:20]
        assert client.head_object(Bucket=s3_bucket, Key="a/big.bin")["ContentLength"] == len(payload)
        assert client.get_object(Bucket=s3_bucket, Key="a/empty")["Body"].read() == b""
        listed = client.list_objects_v2(Bucket=s3_bucket, Prefix="a/")
        assert [o["Key"] for o in listed["Contents"]] == ["a/big.bin", "a/empty"]
        with pytest.raises(ClientError) as missing:
            client.head_object(Bucket=s3_bucket, Key="a/none")
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        client.delete_object(Bucket=s3_bucket, Key="a/big.bin")
        client.delete_object(Bucket=s3_bucket, Key="a/empty")
        assert direct.list_objects_v2(Bucket=s3_bucket, Prefix="a/")["KeyCount"] == 0
    counts = proxy.counts()
    assert counts["requests"] == counts["forwarded"] == 10 and counts["faults"] == 0


def signed_headers(method: str, url: str) -> dict[str, str]:
    """SigV4 headers for a request whose body is not signed (it is streamed in chunks)."""
    session = boto3.Session()
    request = AWSRequest(method=method, url=url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(session.get_credentials(), "s3", session.region_name or "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_proxy_forwards_chunked_uploads_on_one_kept_alive_connection(s3_endpoint, s3_bucket):
    """Transfer-Encoding: chunked in, then GET and HEAD on the same client connection."""
    blocks = [os.urandom(70_000), b"x" * 5, os.urandom(1000)]
    with S3FaultProxy(s3_endpoint, rate=0.0) as proxy:
        host, port = proxy.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        url = f"{proxy.url}/{s3_bucket}/chunked.bin"
        connection.request("PUT", url, body=iter(blocks), headers=signed_headers("PUT", url), encode_chunked=True)
        put = connection.getresponse()
        put.read()
        assert put.status == 200
        connection.request("GET", url, headers=signed_headers("GET", url))
        got = connection.getresponse()
        assert got.status == 200 and got.read() == b"".join(blocks)
        connection.request("HEAD", url, headers=signed_headers("HEAD", url))
        head = connection.getresponse()
        head.read()
        assert head.status == 200 and int(head.getheader("Content-Length")) == sum(map(len, blocks))
        connection.close()
    assert s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key="chunked.bin")["Body"].read() == b"".join(blocks)


@pytest.mark.parametrize(("kind", "expected"), [(SLOW_DOWN, "SlowDown"), (INTERNAL_ERROR, "InternalError"),
                                                (DROPPED_CONNECTION, ConnectionClosedError)])
def test_proxy_at_rate_one_fails_a_client_without_retries(kind, expected, s3_endpoint, s3_bucket):
    with S3FaultProxy(s3_endpoint, rate=1.0, kinds=[kind]) as proxy:
        client = s3_client(proxy.url)
        if isinstance(expected, str):
            with pytest.raises(ClientError) as failed:
                client.put_object(Bucket=s3_bucket, Key="k", Body=b"data")
            assert failed.value.response["Error"]["Code"] == expected
        else:
            with pytest.raises(expected):
                client.put_object(Bucket=s3_bucket, Key="k", Body=b"data")
        with pytest.raises((ClientError, ConnectionClosedError)):
            client.head_object(Bucket=s3_bucket, Key="k")
    by_kind = {k: 2 * (k == kind) for k in FAULT_KINDS}
    assert proxy.counts() == {"requests": 2, "forwarded": 0, "faults": 2, **by_kind, "upstream_errors": 0}
    assert "Contents" not in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)  # a fault never reaches S3


@pytest.mark.parametrize(("kind", "attempts"), [
    (INTERNAL_ERROR, S3_MAX_ATTEMPTS),  # botocore's attempts, and no more
    (SLOW_DOWN, S3FileSystem.retries * S3_MAX_ATTEMPTS),  # s3fs's rounds of botocore's attempts
])
def test_a_store_write_makes_the_documented_attempts_then_fails(kind, attempts, s3_endpoint, s3_bucket, monkeypatch):
    compress_backoff(monkeypatch, 0.01)
    with S3FaultProxy(s3_endpoint, rate=1.0, kinds=[kind]) as proxy:
        store = Store(f"s3://{s3_bucket}/store", StorageOptions(endpoint_url=proxy.url))
        with pytest.raises(OSError):
            store.put(f"{store.root}/never", b"data")
    assert proxy.counts()["requests"] == attempts


def test_retries_are_on_by_default_and_extra_or_aws_variables_override_them(monkeypatch):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    options = StorageOptions(endpoint_url="http://127.0.0.1:9").for_protocol("s3")
    assert options["config_kwargs"] == {"retries": {"mode": S3_RETRY_MODE, "total_max_attempts": S3_MAX_ATTEMPTS}}
    assert options["use_listings_cache"] is False
    extra = {"config_kwargs": {"retries": {"max_attempts": 3}, "connect_timeout": 5}}
    overridden = StorageOptions(extra=extra).for_protocol("s3")["config_kwargs"]
    assert overridden == {"retries": {"mode": S3_RETRY_MODE, "max_attempts": 3}, "connect_timeout": 5}
    assert extra == {"config_kwargs": {"retries": {"max_attempts": 3}, "connect_timeout": 5}}  # not mutated
    assert "config_kwargs" not in StorageOptions().for_protocol("file")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    assert StorageOptions().for_protocol("s3")["config_kwargs"] == {"retries": {"mode": S3_RETRY_MODE}}
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert StorageOptions().for_protocol("s3")["config_kwargs"] == {}
