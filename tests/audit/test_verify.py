"""`factory verify`: every committed file re-hashed, every named input present; non-zero exit naming what is wrong."""

from __future__ import annotations

from typer.testing import CliRunner

from audit.helpers import build_chain
from factory.cli import app
from factory.store import Store


def verify(*args: str):
    return CliRunner().invoke(app, ["verify", *args])


def test_a_sound_store_passes(store, shared_data):
    build_chain(store, shared_data)
    result = verify("--store", store.root_uri)
    assert result.exit_code == 0, result.output
    assert "OK: 8 versions" in result.output


def test_one_corrupted_byte_is_named(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    entry = chain.deduped.files_under("documents")[0]
    path = tmp_path / "store" / "deduped" / "dump=c4" / chain.deduped.version / entry.path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    result = verify("--store", store.root_uri)
    assert result.exit_code == 1
    assert "checksum_mismatch" in result.output and entry.path in result.output
    assert verify("--store", store.root_uri, "--asset", "filtered").exit_code == 0  # --asset restricts the check


def test_a_deleted_input_version_is_named(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    store.fs.rm(store.version_dir("filtered", chain.filtered.partition, chain.filtered.version), recursive=True)
    result = verify("--store", store.root_uri, "--asset", "deduped")
    assert result.exit_code == 1
    assert "missing_input" in result.output and chain.filtered.version in result.output
    assert "dangling_current" in verify("--store", store.root_uri).output  # filtered's pointer names the deleted version
