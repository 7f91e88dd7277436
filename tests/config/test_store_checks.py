"""A store that cannot be used fails before any step reads or writes data: its URL when the resources are
built, its bucket, credentials and writability when a run starts (the store resource's probe), each with the
URL and what to do. S3 cases run against a real S3 endpoint (moto's server on 127.0.0.1)."""

from __future__ import annotations

import boto3
import pytest
from dagster import DagsterInstance, MultiPartitionKey, materialize

from assets.crawl import raw_crawl
from factory import settings
from factory.crawl.sources import chunk_key, chunk_of
from resources import CrawlResource, StoreResource
from resources.store import StoreConfigError


def c4_partition() -> MultiPartitionKey:
    chunk = chunk_key(chunk_of("c4-sample.00000-of-00001.json.gz", settings.chunk_count()))
    return MultiPartitionKey({"dump": "olmo_c4", "chunk": chunk})


def no_aws_credentials(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role on this machine: do not wait for one
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.mark.parametrize(("fields", "fragments"), [
    ({"root": "gs://bucket/factory"}, ["root", "'gs://bucket/factory'", "unknown protocol 'gs'", "s3://bucket/prefix"]),
    ({"root": "http://example.org/store"}, ["root", "unknown protocol 'http'"]),
    ({"root": "s3://Bad_Bucket/factory"}, ["root", "'Bad_Bucket' is not a valid S3 bucket name", "lowercase"]),
    ({"root": "s3://ab/factory"}, ["'ab' is not a valid S3 bucket name", "3-63"]),
    ({"root": "s3://bucket/factory", "endpoint_url": "127.0.0.1:9000"}, ["endpoint_url", "'127.0.0.1:9000'", "http(s)://"]),
])
def test_a_store_url_that_cannot_work_fails_when_the_resource_is_built(fields, fragments):
    with pytest.raises(ValueError) as error:
        StoreResource(**fields)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_a_missing_bucket_fails_the_run_before_any_step_starts(s3_endpoint, web_data):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", ["olmo_c4"])
    resources = {"store": StoreResource(root="s3://no-such-bucket-here/factory", endpoint_url=s3_endpoint),
                 "crawl": CrawlResource(source=str(web_data))}
    result = materialize([raw_crawl], partition_key=c4_partition(), instance=instance, resources=resources, raise_on_error=False)
    assert not result.success
    kinds = [event.event_type_value for event in result.all_events]
    assert "RESOURCE_INIT_FAILURE" in kinds and "STEP_START" not in kinds and "ASSET_MATERIALIZATION" not in kinds
    [failure] = [event for event in result.all_events if event.event_type_value == "RESOURCE_INIT_FAILURE"]
    message = failure.event_specific_data.error.message
    assert "store root 's3://no-such-bucket-here/factory'" in message
    assert "the bucket 'no-such-bucket-here' does not exist at endpoint " + s3_endpoint in message


def test_missing_s3_credentials_name_the_variables(s3_endpoint, s3_bucket, monkeypatch, tmp_path):
    no_aws_credentials(monkeypatch, tmp_path)
    store = StoreResource(root=f"s3://{s3_bucket}/factory", endpoint_url=s3_endpoint)
    with pytest.raises(StoreConfigError) as error:
        store.probe()
    message = str(error.value)
    assert f"store root 's3://{s3_bucket}/factory'" in message
    assert "no S3 credentials found: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set" in message


def test_botocore_no_credentials_error_becomes_a_clear_message(s3_endpoint, s3_bucket, monkeypatch, tmp_path):
    """Past the credential check (say a profile that names no keys), botocore's NoCredentialsError is translated."""
    import s3fs

    import resources.store as store_module

    no_aws_credentials(monkeypatch, tmp_path)
    monkeypatch.setattr(store_module, "_check_credentials", lambda where: None)
    s3fs.S3FileSystem.clear_instance_cache()  # fsspec reuses filesystems, with the credentials they started with
    with pytest.raises(StoreConfigError, match=r"no usable S3 credentials \(Unable to locate credentials\); set AWS_ACCESS_KEY_ID "
                                               r"and AWS_SECRET_ACCESS_KEY"):
        StoreResource(root=f"s3://{s3_bucket}/factory", endpoint_url=s3_endpoint).probe()
    s3fs.S3FileSystem.clear_instance_cache()


def test_a_working_s3_store_is_probed_and_left_clean(s3_endpoint, s3_bucket):
    StoreResource(root=f"s3://{s3_bucket}/factory", endpoint_url=s3_endpoint).probe()
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert listed.get("KeyCount", 0) == 0  # the probe object was deleted


def test_a_local_root_that_cannot_be_created_names_the_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    root = str(blocker / "store")
    with pytest.raises(StoreConfigError) as error:
        StoreResource(root=root).probe()
    assert f"store root {root!r} (resources.store.root): the local folder cannot be created or written" in str(error.value)


def test_a_writable_local_root_is_created_and_left_clean(tmp_path):
    StoreResource(root=str(tmp_path / "new" / "store")).probe()
    assert list((tmp_path / "new" / "store").iterdir()) == []


def test_the_default_root_names_where_it_came_from(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FACTORY_STORE", str(blocker / "store"))
    with pytest.raises(StoreConfigError, match=r"\(FACTORY_STORE\): the local folder cannot be created"):
        StoreResource().probe()
