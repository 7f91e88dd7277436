"""Educational scores joined by document id from the ``quality_scores`` attributes of the same dump.

Scores live either in a document's ``metadata["edu_score"]`` (sets filtered by score carry it) or in the
attribute dataset ``quality_scores[dump=D]``, table ``attributes`` (``id``, ``edu_score``, ``edu_int``), whose
shards are aligned with ``deduped``'s ``documents`` shards. Ids are stable across steps, so the join by id
works for any documents asset of the dump. Only the ids asked for are kept while the shards stream past; the
shard named like the documents shard is read first, so an aligned lookup reads one attribute shard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from factory.inspection.rows import iter_columns
from factory.store import Manifest, Store, parse_partition

ATTRIBUTES_ASSET = "quality_scores"
ATTRIBUTES_TABLE = "attributes"
SCORE_COLUMN = "edu_score"


def dump_of(partition_label: str) -> str | None:
    """The ``dump`` dimension of a partition label (``dump=c4/chunk=000`` -> ``c4``); None for mixes and the like."""
    parsed = parse_partition(partition_label)
    return parsed.get("dump") if isinstance(parsed, Mapping) else None


class AttributeScores:
    """Score lookups against the current ``quality_scores`` version of a documents version's dump."""

    def __init__(self, store: Store, documents: Manifest):
        self.store = store
        dump = dump_of(documents.partition)
        self.manifest = store.current(ATTRIBUTES_ASSET, {"dump": dump}) if dump else None
        self.entries = self.manifest.files_under(ATTRIBUTES_TABLE) if self.manifest else []

    @property
    def source(self) -> str | None:
        """The attributes version scores come from, for the document's lineage."""
        return self.manifest.short if self.manifest else None

    def lookup(self, ids: Iterable[str], shard: str | None = None) -> dict[str, float]:
        """``edu_score`` of those of ``ids`` the attributes hold; ``shard`` (a documents file path) names the
        aligned attribute shard to read first. Stops as soon as every id is found."""
        import pyarrow as pa
        import pyarrow.compute as pc

        needed = set(ids)
        found: dict[str, float] = {}
        if not needed or not self.entries:
            return found
        name = shard.rsplit("/", 1)[-1] if shard else None
        ordered = sorted(self.entries, key=lambda entry: entry.path.rsplit("/", 1)[-1] != name)
        wanted = pa.array(sorted(needed), type=pa.string())
        for entry in ordered:
            for batch in iter_columns(self.store, self.manifest, entry, ["id", SCORE_COLUMN]):
                if SCORE_COLUMN not in batch.column_names:
                    break
                hits = batch.filter(pc.is_in(batch["id"].cast(pa.string()), value_set=wanted))
                for doc_id, score in zip(hits["id"].to_pylist(), hits[SCORE_COLUMN].to_pylist(), strict=True):
                    if score is not None:
                        found[str(doc_id)] = float(score)
                if len(found) >= len(needed):
                    return found
        return found
