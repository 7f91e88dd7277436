"""The GPU check's CPU mode runs every part of it, so the script a GPU session runs cannot rot unseen."""

import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_gpu_check_cpu_mode_runs_every_part_and_writes_one_results_file(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = subprocess.run(["bash", "bench/gpu_check.sh", "--cpu", "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["mode"] == "cpu" and report["machine"]["device"] == "cpu"
    parts = report["parts"]
    assert set(parts) == {"training", "data_parallel", "evaluation", "generation"}
    assert all(part["ok"] for part in parts.values()), {name: part.get("error") for name, part in parts.items()}
    assert all(run["tokens_per_s"] > 0 for run in parts["training"]["runs"])
    assert parts["data_parallel"]["processes"] == 1 and parts["data_parallel"]["tokens_per_s"] > 0
    assert {run["dtype"] for run in parts["evaluation"]["runs"]} == {"float32", "bfloat16"}
    generated = parts["generation"]["runs"][0]
    assert generated["tokens_out"] > 0 and generated["output_tokens_per_s"] > 0


def test_a_failing_part_is_recorded_and_the_check_exits_non_zero(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = subprocess.run(["bash", "bench/gpu_check.sh", "--cpu", "--parts", "evaluation,generation", "--out", str(out),
                           "--tokenizer", str(tmp_path / "missing")], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    parts = json.loads(out.read_text())["parts"]
    assert parts["evaluation"]["ok"] and not parts["generation"]["ok"]
    assert "no tokenizer.json in" in parts["generation"]["error"] and "--prepare" in parts["generation"]["error"]
