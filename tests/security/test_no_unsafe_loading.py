"""Nothing the factory reads can run code: no pickle (or dill, joblib, torch.load without weights_only,
numpy with allow_pickle, pandas.read_pickle, unsafe YAML, marshal, shelve) and no trust_remote_code=True.
The source tree (factory/, resources/, assets/, workers/) is read with ``ast``; a failure names the file,
the line and the call. The checker itself is tested on planted snippets, so a pass means something."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("factory", "resources", "assets", "workers")

# Calls that deserialize code-carrying formats, by their resolved dotted name.
UNSAFE_CALLS = {
    "pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle.load", "_pickle.loads", "cPickle.load", "cPickle.loads",
    "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads", "joblib.load", "pandas.read_pickle",
    "marshal.load", "marshal.loads", "shelve.open", "yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all",
    "numpy.lib.format.read_array",
}
UNSAFE_MODULES = {"dill", "cloudpickle", "joblib", "shelve"}  # importing them at all is a sign of loading their files
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _aliases(tree: ast.AST) -> dict[str, str]:
    names = {"np": "numpy", "pd": "pandas"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_uses(source: str, filename: str = "<string>") -> list[str]:
    """``file:line: what`` for every unsafe deserialization or remote-code switch in ``source``."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in UNSAFE_MODULES:
                    found.append(f"{filename}:{node.lineno}: imports {module}")
        if isinstance(node, ast.keyword) and node.arg == "trust_remote_code" and not (
                isinstance(node.value, ast.Constant) and node.value.value is False):
            found.append(f"{filename}:{node.value.lineno}: trust_remote_code={ast.unparse(node.value)} (must stay False)")
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "trust_remote_code" and _is_true(value):
                    found.append(f"{filename}:{key.lineno}: 'trust_remote_code': True")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        short = name.rsplit(".", 1)[-1]
        where = f"{filename}:{node.lineno}"
        if name in UNSAFE_CALLS or (short in ("read_pickle", "unsafe_load", "full_load") and name.split(".")[0] in ("pandas", "yaml")):
            found.append(f"{where}: {name}(...) deserializes code-carrying data")
        elif name in ("eval", "exec"):
            found.append(f"{where}: {name}(...) runs text as code")
        elif name == "torch.load" and not _is_true(_keyword(node, "weights_only")):
            found.append(f"{where}: torch.load(...) without weights_only=True unpickles")
        elif name in ("numpy.load", "numpy.lib.npyio.load") and _keyword(node, "allow_pickle") is not None and not (
                isinstance(_keyword(node, "allow_pickle"), ast.Constant) and _keyword(node, "allow_pickle").value is False):
            found.append(f"{where}: numpy.load(..., allow_pickle={ast.unparse(_keyword(node, 'allow_pickle'))}) unpickles")
        elif name in ("yaml.load", "yaml.load_all"):
            loader = _keyword(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or _dotted(loader, aliases).rsplit(".", 1)[-1] not in SAFE_YAML_LOADERS:
                found.append(f"{where}: {name}(...) without a safe Loader")
    return found


def source_files() -> list[Path]:
    files = [path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))]
    assert len(files) > 50, f"expected the factory's sources under {REPO}, found {len(files)} files"
    return files


def test_no_source_file_loads_pickles_or_trusts_remote_code():
    found = [use for path in source_files() for use in unsafe_uses(path.read_text(), str(path.relative_to(REPO)))]
    assert not found, "unsafe loading in the factory's sources:\n" + "\n".join(found)


@pytest.mark.parametrize(("snippet", "what"), [
    ("import pickle\npickle.load(open('x', 'rb'))", "pickle.load"),
    ("import pickle as p\np.loads(b'')", "pickle.loads"),
    ("from pickle import loads\nloads(b'')", "pickle.loads"),
    ("import torch\ntorch.load('model.pt')", "without weights_only=True"),
    ("import torch\ntorch.load('model.pt', weights_only=False)", "without weights_only=True"),
    ("import numpy as np\nnp.load('x.npy', allow_pickle=True)", "allow_pickle=True"),
    ("import joblib\njoblib.load('m.joblib')", "joblib"),
    ("import dill", "imports dill"),
    ("from transformers import AutoModel\nAutoModel.from_pretrained('m', trust_remote_code=True)", "trust_remote_code=True"),
    ("from vllm import LLM\nflag = True\nLLM(model='m', trust_remote_code=flag)", "trust_remote_code=flag"),
    ("kwargs = {'trust_remote_code': True}", "'trust_remote_code': True"),
    ("import pandas as pd\npd.read_pickle('x.pkl')", "pandas.read_pickle"),
    ("import yaml\nyaml.load(open('x'))", "without a safe Loader"),
    ("import yaml\nyaml.unsafe_load('x')", "yaml.unsafe_load"),
    ("import marshal\nmarshal.loads(b'')", "marshal.loads"),
])
def test_the_checker_finds_each_unsafe_pattern_with_its_line(snippet, what):
    uses = unsafe_uses(snippet, "planted.py")
    assert any(use.startswith(f"planted.py:{len(snippet.splitlines())}:") and what in use for use in uses), uses


@pytest.mark.parametrize("snippet", [
    "import torch\ntorch.load('m.pt', weights_only=True)",
    "import numpy as np\nnp.load('x.npy')\nnp.load('y.npy', allow_pickle=False)",
    "import yaml\nyaml.safe_load('a: 1')\nyaml.load('a: 1', Loader=yaml.SafeLoader)",
    "from vllm import LLM\nLLM(model='m', trust_remote_code=False)",
    "model.eval()",
])
def test_the_checker_lets_safe_loading_through(snippet):
    assert unsafe_uses(snippet) == []
