"""NumPy arrays and id lists in a datatrove DataFolder (a local folder or ``s3://``), never pickled.

The stages hand each other embeddings, centroids and cluster records as ``.npy`` files (numeric
and fixed-width structured dtypes only, loaded with ``allow_pickle=False``) and document ids as
JSON lists beside them. Whole files are read into memory first, so S3 sees one GET per file.
"""

from __future__ import annotations

import io
import json

import numpy as np


def save_array(folder, path: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    with folder.open(path, "wb") as handle:
        handle.write(buffer.getvalue())


def load_array(folder, path: str) -> np.ndarray:
    with folder.open(path, "rb") as handle:
        data = handle.read()
    return np.load(io.BytesIO(data), allow_pickle=False)


def array_rows(folder, path: str) -> int:
    """The first dimension of a saved array, from its header alone (no data read)."""
    with folder.open(path, "rb") as handle:
        major, _ = np.lib.format.read_magic(handle)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, _ = read_header(handle)
    return int(shape[0])


def save_ids(folder, path: str, ids: list[str]) -> None:
    with folder.open(path, "wb") as handle:
        handle.write(json.dumps(ids).encode())


def load_ids(folder, path: str) -> list[str]:
    with folder.open(path, "rb") as handle:
        return json.loads(handle.read())
