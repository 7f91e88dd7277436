"""What ``deduped`` does, as a versioned config: FineWeb's MinHash settings by default.

5-word shingles, 14 buckets of 8 hashes, 64-bit hashes: two documents share a bucket (and are
clustered) with probability 1-(1-s^8)^14 for Jaccard similarity s, about 0.92 at s=0.8 and
near-certain above 0.85. Exact-content dedup runs first (cheap, and removes what MinHash would).
Candidate pairs are checked against their exact shingle Jaccard (``verify_min_jaccard``) before
clustering, so the LSH's rare collisions of dissimilar documents are not merged.
``against_dumps`` names earlier dumps whose saved signature index this dump is deduplicated
against, so a new dump does not re-admit documents an earlier one already holds.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from factory.store.partitions import check_value

IMPLEMENTATIONS = ("fast", "datatrove")  # of the MinHash signature stage: factory.dedup.signatures


class DedupConfigError(ValueError):
    """A dedup setting with a bad value."""


@dataclass(frozen=True)
class DedupConfig:
    exact: bool = True
    minhash: bool = True
    n_grams: int = 5
    num_buckets: int = 14
    hashes_per_bucket: int = 8
    hash_precision: int = 64
    seed: int = 1
    # A bucket collision is merged only if the exact shingle Jaccard reaches this; None merges every
    # collision, as FineWeb does (about 2% of pairs at J=0.45 collide with 14x8 buckets).
    verify_min_jaccard: float | None = 0.7
    against_dumps: tuple[str, ...] = ()
    # operational: how signatures are computed, never what they are (factory.dedup.signatures); in the manifest
    signatures: str = "fast"

    OPERATIONAL = ("signatures",)

    def __post_init__(self) -> None:
        for name in ("exact", "minhash"):
            if not isinstance(getattr(self, name), bool):
                raise DedupConfigError(f"dedup {name} must be true or false, got {getattr(self, name)!r}")
        for name in ("n_grams", "num_buckets", "hashes_per_bucket", "hash_precision", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise DedupConfigError(f"dedup {name} must be an integer, got {value!r}")
        if self.verify_min_jaccard is not None and (
                not isinstance(self.verify_min_jaccard, int | float) or isinstance(self.verify_min_jaccard, bool)):
            raise DedupConfigError(f"dedup verify_min_jaccard must be a number in [0, 1] or null, got {self.verify_min_jaccard!r}")
        for name in ("n_grams", "num_buckets", "hashes_per_bucket"):
            if getattr(self, name) < 1:
                raise DedupConfigError(f"dedup {name} must be >= 1, got {getattr(self, name)}")
        if self.verify_min_jaccard is not None and not 0.0 <= self.verify_min_jaccard <= 1.0:
            raise DedupConfigError(f"dedup verify_min_jaccard must be in [0, 1] or null, got {self.verify_min_jaccard}")
        if self.hash_precision not in (32, 64):
            raise DedupConfigError(f"dedup hash_precision must be 32 or 64, got {self.hash_precision}")
        for dump in self.against_dumps:
            check_value(dump, "dedup against_dumps entry")
        if self.signatures not in IMPLEMENTATIONS:
            raise DedupConfigError(f"dedup signatures must be one of {list(IMPLEMENTATIONS)}, got {self.signatures!r}")

    @property
    def minhash_settings(self) -> dict[str, int]:
        """The fields an index must share with this config to be comparable."""
        return {key: getattr(self, key) for key in ("n_grams", "num_buckets", "hashes_per_bucket", "hash_precision", "seed")}

    def datatrove_config(self):
        from datatrove.pipeline.dedup.minhash import MinhashConfig
        from datatrove.utils.hashing import HashConfig

        return MinhashConfig(n_grams=self.n_grams, num_buckets=self.num_buckets, hashes_per_bucket=self.hashes_per_bucket,
                             seed=self.seed, hash_config=HashConfig(precision=self.hash_precision))

    def to_dict(self) -> dict[str, Any]:
        """The settings that decide what ``deduped`` writes: its version's identity."""
        decided = {k: v for k, v in dataclasses.asdict(self).items() if k not in self.OPERATIONAL}
        return json.loads(json.dumps(decided))

    def operational(self) -> dict[str, Any]:
        """What the manifest records about how a version was computed."""
        return {f"minhash_{name}": getattr(self, name) for name in self.OPERATIONAL}

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None) -> DedupConfig:
        overrides = dict(overrides or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise DedupConfigError(f"unknown dedup setting(s) {unknown}: expected one of {sorted(known)}")
        if "against_dumps" in overrides:
            overrides["against_dumps"] = tuple(overrides["against_dumps"] or ())
        return cls(**overrides)
