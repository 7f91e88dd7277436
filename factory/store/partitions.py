"""Partition keys and the store paths made from them.

A partition is either one key (``"CC-MAIN-2024-18"``) or named dimensions
(``{"dump": "CC-MAIN-2024-18", "chunk": "003"}``). Its path inside an asset's folder is
``CC-MAIN-2024-18`` or ``dump=CC-MAIN-2024-18/chunk=003``. Keys come from users, sensors and
file names, so every part is checked before it becomes a path: nothing can leave the store.
Refused: empty keys, ``..`` anywhere, ``/`` and ``\\``, absolute paths, NUL and other control
characters, newlines, spaces, and anything that does not start with a letter or digit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

UNPARTITIONED = "all"
# fullmatch, not match with $: "$" also matches before a trailing newline, which would let "key\n" through.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,199}")
_SAFE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")

Partition = str | Mapping[str, str] | None


class UnsafePartitionKeyError(ValueError):
    """A partition key that is empty, absolute, or would climb out of the store."""


def check_value(value: str, what: str = "partition key") -> str:
    if not isinstance(value, str) or not _SAFE_VALUE.fullmatch(value) or ".." in value:
        raise UnsafePartitionKeyError(
            f"{what} {value!r} is not allowed in store paths: use 1-200 characters from "
            "letters, digits and . _ + @ -, starting with a letter or digit, without '..' "
            "(no '/', no absolute paths, not empty)"
        )
    return value


def partition_path(partition: Partition) -> str:
    """The relative folder of a partition: validated, never absolute, never climbing."""
    if partition is None:
        return UNPARTITIONED
    if isinstance(partition, str):
        if "=" in partition or "/" in partition:
            return partition_path(parse_partition(partition))
        return check_value(partition)
    if not partition:
        raise UnsafePartitionKeyError("a multi-dimensional partition needs at least one dimension")
    parts = []
    for name, value in partition.items():
        if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
            raise UnsafePartitionKeyError(f"partition dimension name {name!r} is not a snake_case name")
        parts.append(f"{name}={check_value(value, f'partition key for {name!r}')}")
    return "/".join(parts)


def parse_partition(text: str) -> Partition:
    """Reads a partition as written on the command line: ``dump=X/chunk=003``, ``dump=X,chunk=003``
    or a single key ``X``."""
    text = text.strip()
    if text in ("", UNPARTITIONED):
        if text == "":
            raise UnsafePartitionKeyError("empty partition key: give a key such as 'dump=X/chunk=000'")
        return None
    if "=" not in text:
        return check_value(text)
    result: dict[str, str] = {}
    for item in re.split(r"[/,]", text):
        name, sep, value = item.partition("=")
        if not sep:
            raise UnsafePartitionKeyError(f"partition {text!r}: expected name=value pairs, got {item!r}")
        result[name] = value
    partition_path(result)
    return result


def partition_label(partition: Partition) -> str:
    """The canonical text of a partition, as stored in manifests."""
    return partition_path(partition)
