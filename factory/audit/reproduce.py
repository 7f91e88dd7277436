"""``factory reproduce``: rebuild a committed version from its manifest alone, and compare.

A version is input-addressed, and its manifest pins everything that shapes its bytes: the versioned
config (thresholds, seeds, bucket counts, the mix recipe), the exact input versions, the code
version, and in ``operational`` the settings that change the file layout but not the data
(``shard_tokens`` of a mix). Reproducing copies exactly those input versions (their files, and a
``_current.json`` naming them) from the store into an empty scratch store, runs the same step there
in this process on the local executor, and compares:

- the rebuilt version must equal the original (else the identity part that differs is named:
  code version, a config key, an input, a source file);
- the rebuilt files must have the manifest's SHA-256s, so the content hashes agree (else the files
  that differ are listed);
- the stored files must still have the manifest's SHA-256s (a file altered after its commit).

The CPU steps (``raw_crawl``, ``filtered``, ``deduped``, ``mixed``) are bit-reproducible: datatrove
deep-copies the pipeline for every task, each task writes its own shard in record order, and the
worker count never changes a byte. ``synthetic``, ``proxy_model``, ``proxy_eval`` and ``leaderboard``
are not (see ``NOT_REPRODUCIBLE``): for them only the stored files are checked against the manifest.
The original store is only read; every write goes to the scratch store.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from factory.store import InputRef, Manifest, Store, VersionNotFoundError, parse_partition
from factory.store.manifest import MANIFEST_NAME
from factory.store.partitions import Partition, partition_label

log = logging.getLogger(__name__)
RUN_ID = "reproduce"
COPY_BLOCK = 1 << 20
REPRODUCED, MISMATCH, NOT_REPRODUCIBLE_STATUS = "reproduced", "mismatch", "not_reproducible"
EXIT_CODES = {REPRODUCED: 0, MISMATCH: 1, NOT_REPRODUCIBLE_STATUS: 2}

NOT_REPRODUCIBLE = {
    "synthetic": "batched vLLM sampling on CPU is not bit-reproducible (which requests share a batch, and the "
                 "threads' order of floating-point sums, change the sampled tokens) and needs the generator model; "
                 "rerun synthetic and compare its row counts and source ids instead",
    "proxy_model": "training is not bit-reproducible (nondeterministic kernels, device-dependent numerics) and needs "
                   "a GPU; retrain and compare the loss curve instead",
    "proxy_eval": "it scores a proxy_model checkpoint, which cannot be rebuilt bit for bit; rerun proxy_eval on the "
                  "committed checkpoint to compare the scores",
    "leaderboard": "it is built from proxy_eval scores, which cannot be rebuilt bit for bit",
}


class ReproduceError(RuntimeError):
    """A reproduction that cannot start: unknown version, unsafe scratch folder, missing input."""


@dataclass(frozen=True)
class FileDifference:
    """A file whose bytes are not what the manifest says: ``where`` is ``stored`` (changed since its commit)
    or ``rebuilt`` (the rebuild wrote other bytes); a ``None`` checksum means the file is missing there."""

    path: str
    where: str
    expected_sha256: str | None
    found_sha256: str | None


@dataclass(frozen=True)
class ReproduceReport:
    asset: str
    partition: str
    version: str
    status: str
    original_content_hash: str
    rebuilt_version: str | None = None
    rebuilt_content_hash: str | None = None
    identity_differences: tuple[str, ...] = ()
    file_differences: tuple[FileDifference, ...] = ()
    count_differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    scratch: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.status == REPRODUCED

    @property
    def exit_code(self) -> int:
        """0 reproduced, 1 mismatch, 2 the asset cannot be reproduced bit for bit."""
        return EXIT_CODES[self.status]

    @property
    def short(self) -> str:
        return f"{self.asset}[{self.partition}]@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "matched": self.matched, "exit_code": self.exit_code}


# -- the steps, rebuilt from a manifest ----------------------------------------------------

def _executor(manifest: Manifest):
    """The manifest's local executor settings (a Ray or Slurm run is reproduced locally: same tasks, same bytes)."""
    from factory.curation.executors import ExecutorSpec

    recorded = manifest.operational
    return ExecutorSpec(kind="local", workers=int(recorded.get("executor_workers", 0)),
                        in_process_below_documents=int(recorded.get("executor_in_process_below_documents", 1000)))


def _rebuild_raw_crawl(store: Store, scratch: Store, manifest: Manifest) -> Manifest:
    from factory.crawl.index import index_chunk

    partition = parse_partition(manifest.partition)
    source = _recorded_source(manifest, store.options)
    return index_chunk(scratch, source, partition["dump"], partition["chunk"], int(manifest.config["chunks"]),
                       run_id=RUN_ID).manifest


def _recorded_source(manifest: Manifest, storage):
    """A crawl source that lists exactly the manifest's files, in its order: the crawl folder itself is not
    recorded, and the chunk's file list is what the version was made from. Files are stat-ed and read again."""
    from factory.crawl.sources import CrawlFile, CrawlSource

    @dataclass(frozen=True)
    class RecordedFiles(CrawlSource):
        recorded: tuple[CrawlFile, ...] = ()

        def files_in_chunk(self, dump: str, chunk: str, chunks: int) -> list[CrawlFile]:
            return list(self.recorded)

    dump = parse_partition(manifest.partition)["dump"]
    kind = manifest.config["source_kind"]
    # Fingerprinted by a stat of each file, as a folder listing does (links by their target).
    files = tuple(CrawlFile(dump, s.url.rsplit("/", 1)[-1], s.url, s.format) for s in manifest.sources)
    folders = tuple(sorted({s.url.rsplit("/", 1)[0] for s in manifest.sources})) or ("(no files)",)
    recorded = manifest.operational
    return RecordedFiles(kind=kind, uris=folders, dumps=(dump,), storage=storage, recorded=files,
                         index_mode=manifest.config["index_mode"], io_workers=int(recorded.get("io_workers") or 1),
                         max_files_per_dump=recorded.get("max_files_per_dump"))


def _rebuild_filtered(store: Store, scratch: Store, manifest: Manifest) -> Manifest:
    from factory.curation.config import CurationConfig
    from factory.curation.step import filter_chunk

    partition = parse_partition(manifest.partition)
    config = CurationConfig.from_overrides({k: v for k, v in manifest.config.items() if k != "tokenizer"})
    # Crawl files are read where the raw_crawl version found them, with the store's credentials.
    return filter_chunk(scratch, partition["dump"], partition["chunk"], config, _executor(manifest), run_id=RUN_ID,
                        storage=store.options).manifest


def _rebuild_deduped(store: Store, scratch: Store, manifest: Manifest) -> Manifest:
    from factory.curation.step import ASSET as FILTERED
    from factory.dedup import DedupConfig, dedup_dump

    dump = parse_partition(manifest.partition)["dump"]
    # Sorted chunk keys: the order the asset passes them in, which fixes the input shards' order.
    chunks = sorted(parse_partition(ref.partition)["chunk"] for ref in manifest.inputs if ref.asset == FILTERED)
    config = DedupConfig.from_overrides(manifest.config)
    return dedup_dump(scratch, dump, chunks, config, _executor(manifest), run_id=RUN_ID).manifest


def _rebuild_mixed(store: Store, scratch: Store, manifest: Manifest) -> Manifest:
    from factory.mixing.recipe import MixRecipe
    from factory.mixing.step import DEFAULT_SHARD_TOKENS, build_mix
    from factory.models import ensure_smollm2

    recipe = MixRecipe.from_dict(manifest.config["recipe"], where=f"the config of {manifest.short}")
    # shard_tokens splits the token stream into files: operational, but it changes the files, so it is honoured.
    shard_tokens = int(manifest.operational.get("shard_tokens", DEFAULT_SHARD_TOKENS))
    return build_mix(scratch, recipe, shard_tokens=shard_tokens, tokenizer_dir=ensure_smollm2(), run_id=RUN_ID,
                     executor=_executor(manifest)).manifest


Rebuild = Callable[[Store, Store, Manifest], Manifest]
REBUILDERS: dict[str, Rebuild] = {
    "raw_crawl": _rebuild_raw_crawl, "filtered": _rebuild_filtered,
    "deduped": _rebuild_deduped, "mixed": _rebuild_mixed,
}


# -- the scratch store -------------------------------------------------------------------------

def inputs_to_copy(store: Store, manifest: Manifest) -> list[InputRef]:
    """The versions the step reads: its inputs, and for ``deduped`` also the ``raw_crawl`` versions of its
    chunks (it asks whether each chunk was crawled before it reads the chunk's ``filtered`` version)."""
    refs = list(manifest.inputs)
    if manifest.asset == "deduped":
        for ref in manifest.inputs:
            upstream = _read_input(store, ref)
            refs += [r for r in upstream.inputs if r.asset == "raw_crawl"]
    return refs


def _read_input(store: Store, ref: InputRef) -> Manifest:
    manifest = store.read_manifest(ref.asset, ref.partition, ref.version)
    if manifest is None:
        raise ReproduceError(f"input {ref.asset}[{ref.partition}]@{ref.version} is not committed in {store.root_uri} "
                             "(deleted or garbage-collected): it cannot be reproduced without its inputs")
    return manifest


def copy_version(store: Store, scratch: Store, ref: InputRef) -> None:
    """One committed version's files and manifest into the scratch store, made current there."""
    manifest = _read_input(store, ref)
    source_dir = store.version_dir(ref.asset, ref.partition, ref.version)
    target_dir = scratch.version_dir(ref.asset, ref.partition, ref.version)
    for entry in manifest.files:
        _copy_file(store, f"{source_dir}/{entry.path}", scratch, f"{target_dir}/{entry.path}")
    scratch.commit_manifest(manifest)


def _copy_file(store: Store, source: str, scratch: Store, target: str) -> None:
    """Streamed in blocks: a shard can be larger than memory."""
    if scratch.is_local:
        scratch.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
    with store.fs.open(source, "rb") as reader, scratch.fs.open(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, COPY_BLOCK)


def open_scratch(store: Store, manifest: Manifest, scratch: str | None) -> tuple[Store, bool]:
    """The scratch store and whether this run made it (a temporary folder, removed after a match)."""
    if scratch is None:
        return Store(tempfile.mkdtemp(prefix=f"factory-reproduce-{manifest.asset}-")), True
    target = Store(scratch)
    if _inside(target, store):
        raise ReproduceError(f"scratch {scratch} is inside the store {store.root_uri}: reproduce never writes into the "
                             "store it checks; give a folder outside it")
    if target.read_manifest(manifest.asset, manifest.partition, manifest.version) is not None:
        raise ReproduceError(f"scratch store {scratch} already holds {manifest.short}, so the step would reuse it "
                             "instead of rebuilding: give an empty --scratch folder")
    return target, False


def _inside(scratch: Store, store: Store) -> bool:
    if scratch.is_local != store.is_local:
        return False
    if scratch.is_local:
        inner, outer = Path(scratch.root).resolve(), Path(store.root).resolve()
        return inner == outer or outer in inner.parents
    return f"{scratch.root_uri}/".startswith(f"{store.root_uri}/")


# -- comparing -------------------------------------------------------------------------------

def stored_differences(store: Store, manifest: Manifest) -> list[FileDifference]:
    """The committed files whose bytes no longer match the manifest (hashed in blocks, one file at a time)."""
    from factory.audit.verify import file_sha256

    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    found = []
    for entry in manifest.files:
        try:
            digest, _ = file_sha256(store.fs, f"{base}/{entry.path}")
        except FileNotFoundError:
            digest = None
        if digest != entry.sha256:
            found.append(FileDifference(entry.path, "stored", entry.sha256, digest))
    return found


def rebuilt_differences(original: Manifest, rebuilt: Manifest) -> list[FileDifference]:
    expected = {entry.path: entry.sha256 for entry in original.files}
    found = {entry.path: entry.sha256 for entry in rebuilt.files}
    return [FileDifference(path, "rebuilt", expected.get(path), found.get(path))
            for path in sorted(expected.keys() | found.keys()) if expected.get(path) != found.get(path)]


def identity_differences(original: Manifest, rebuilt: Manifest) -> list[str]:
    """Which part of the version's identity (``compute_version``'s arguments) differs, one line each."""
    lines = [] if _recorded_identity_matches(original) else [
        f"the manifest's own identity does not hash to its version {original.version}: the manifest was edited "
        "after its commit, or written by other code"]
    lines += [f"{name}: {getattr(original, name)!r} -> {getattr(rebuilt, name)!r}"
              for name in ("asset", "code_version") if getattr(original, name) != getattr(rebuilt, name)]
    lines += [f"config.{key}: {before!r} -> {after!r}"
              for key, (before, after) in _flat_diff(original.config, rebuilt.config)]
    lines += [f"library {name}: {before!r} -> {after!r}"
              for name, (before, after) in _flat_diff(original.libraries, rebuilt.libraries)]
    inputs = [{(r.asset, r.partition, r.version) for r in m.inputs} for m in (original, rebuilt)]
    lines += [f"input {a}[{p}]@{v} only in the original" for a, p, v in sorted(inputs[0] - inputs[1])]
    lines += [f"input {a}[{p}]@{v} only in the rebuild" for a, p, v in sorted(inputs[1] - inputs[0])]
    sources = [{(s.url, s.checksum, s.fingerprint) for s in m.sources} for m in (original, rebuilt)]
    lines += [f"source {url} was {checksum} ({fingerprint or 'no listing fingerprint'}), now differs or is gone"
              for url, checksum, fingerprint in sorted(sources[0] - sources[1])]
    return lines


def _recorded_identity_matches(manifest: Manifest) -> bool:
    from factory.store.versioning import compute_version

    sources = manifest.sources
    if manifest.asset == "raw_crawl":  # named by the listing (fingerprints) before the files were read
        sources = [replace(s, checksum=s.fingerprint) for s in sources]
    recomputed = compute_version(manifest.asset, manifest.code_version, manifest.config, manifest.inputs, sources,
                                 manifest.libraries)
    return recomputed == manifest.version


def _flat_diff(before: Any, after: Any, prefix: str = "") -> list[tuple[str, tuple[Any, Any]]]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [item for key in sorted(before.keys() | after.keys(), key=str)
                for item in _flat_diff(before.get(key), after.get(key), f"{prefix}{key}.")]
    return [] if before == after else [(prefix.rstrip("."), (before, after))]


def count_differences(original: Manifest, rebuilt: Manifest) -> dict[str, tuple[Any, Any]]:
    keys = sorted(original.counts.keys() | rebuilt.counts.keys())
    return {key: (original.counts.get(key), rebuilt.counts.get(key))
            for key in keys if original.counts.get(key) != rebuilt.counts.get(key)}


# -- the command -------------------------------------------------------------------------------

def reproduce(store: Store, asset: str, partition: Partition, version: str | None = None,
              scratch: str | None = None) -> ReproduceReport:
    """Rebuild ``asset[partition]@version`` (default: the current version) in a scratch store and compare."""
    original = _original(store, asset, partition, version)
    started = time.time()
    stored = stored_differences(store, original)
    seconds = {"check_stored_s": round(time.time() - started, 2)}
    if original.asset not in REBUILDERS:
        return _not_reproducible(original, stored, seconds)
    scratch_store, temporary = open_scratch(store, original, scratch)
    try:
        report = _rebuild_and_compare(store, scratch_store, original, stored, seconds)
    except BaseException:
        log.error("reproduce %s failed; its scratch store is kept at %s", original.short, scratch_store.root_uri)
        raise
    if temporary and report.matched:
        shutil.rmtree(scratch_store.root, ignore_errors=True)
    return report


def _original(store: Store, asset: str, partition: Partition, version: str | None) -> Manifest:
    if version is None:
        return store.require_current(asset, partition)
    manifest = store.read_manifest(asset, partition, version)
    if manifest is None:
        raise VersionNotFoundError(
            f"{asset}[{partition_label(partition)}]@{version} is not committed in {store.root_uri}: "
            f"see its committed versions under {store.partition_dir(asset, partition)}/*/{MANIFEST_NAME}")
    return manifest


def _not_reproducible(original: Manifest, stored: list[FileDifference], seconds: dict[str, float]) -> ReproduceReport:
    reason = NOT_REPRODUCIBLE.get(original.asset, "no rebuild is known for this asset")
    notes = [f"{original.asset} is not rebuilt: {reason}",
             f"checked instead: the {len(original.files)} stored files against the manifest's SHA-256s"]
    return ReproduceReport(original.asset, original.partition, original.version, NOT_REPRODUCIBLE_STATUS,
                           original.content_hash, file_differences=tuple(stored), notes=tuple(notes), seconds=seconds)


def _rebuild_and_compare(store: Store, scratch: Store, original: Manifest, stored: list[FileDifference],
                         seconds: dict[str, float]) -> ReproduceReport:
    started = time.time()
    for ref in inputs_to_copy(store, original):
        copy_version(store, scratch, ref)
    seconds["copy_inputs_s"] = round(time.time() - started, 2)
    started = time.time()
    log.info("reproduce %s: rebuilding in %s", original.short, scratch.root_uri)
    rebuilt = REBUILDERS[original.asset](store, scratch, original)
    seconds["rebuild_s"] = round(time.time() - started, 2)
    identity = identity_differences(original, rebuilt) if rebuilt.version != original.version else []
    files = stored + rebuilt_differences(original, rebuilt)
    same = rebuilt.version == original.version and rebuilt.content_hash == original.content_hash and not files
    return ReproduceReport(
        original.asset, original.partition, original.version, REPRODUCED if same else MISMATCH, original.content_hash,
        rebuilt_version=rebuilt.version, rebuilt_content_hash=rebuilt.content_hash,
        identity_differences=tuple(identity),
        file_differences=tuple(files), count_differences=count_differences(original, rebuilt),
        notes=tuple(_run_notes(original)), scratch=scratch.root_uri, seconds=seconds,
    )


def _run_notes(original: Manifest) -> list[str]:
    """What differs from the original run without being part of the version: a likely cause of a mismatch."""
    from factory.store.packages import package_versions

    notes = []
    kind = original.operational.get("executor_kind", "local")
    if kind != "local":
        notes.append(f"ran on the {kind} executor originally; rebuilt on the local executor "
                     "(the executor never changes the bytes)")
    installed = package_versions()
    notes += [f"package {name}: {version} originally, {installed.get(name, 'not installed')} now"
              for name, version in sorted(original.packages.items()) if installed.get(name) != version]
    return notes


# -- rendering -------------------------------------------------------------------------------

def render(report: ReproduceReport):
    """A rich Text of the report (no markup parsing: partitions hold brackets)."""
    from rich.text import Text

    text = Text()
    verdicts = {REPRODUCED: ("reproduced bit for bit", "green"), MISMATCH: ("MISMATCH", "bold red"),
                NOT_REPRODUCIBLE_STATUS: ("not reproducible", "yellow")}
    verdict, style = verdicts[report.status]
    text.append(f"{report.short}: ", style="bold")
    text.append(verdict + "\n", style=style)
    for line in _detail_lines(report):
        text.append(f"  {line}\n")
    return text


def _detail_lines(report: ReproduceReport) -> list[str]:
    lines = [f"content hash {report.original_content_hash}" +
             (f", rebuilt {report.rebuilt_content_hash}" if report.rebuilt_content_hash else "")]
    if report.rebuilt_version and report.rebuilt_version != report.version:
        lines.append(f"rebuilt as version {report.rebuilt_version}: its identity differs")
    lines += [f"identity: {line}" for line in report.identity_differences]
    lines += [f"{d.where} file {d.path}: expected {_short(d.expected_sha256)}, found {_short(d.found_sha256)}"
              for d in report.file_differences]
    lines += [f"count {key}: {before} -> {after}" for key, (before, after) in report.count_differences.items()]
    lines += list(report.notes)
    if report.scratch and not report.matched:
        lines.append(f"scratch store kept for inspection: {report.scratch}")
    lines.append("timings: " + ", ".join(f"{key} {value:.1f}" for key, value in report.seconds.items()))
    return lines


def _short(sha256: str | None) -> str:
    return sha256[:16] if sha256 else "(missing)"
