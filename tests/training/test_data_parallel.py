"""Data-parallel proxy training: 2 CPU processes over gloo give the single-process loss curve, resume exactly
from process 0's checkpoint, and the number of processes is operational (same version, same checkpoint identity)."""

from __future__ import annotations

import numpy as np

from factory.store import Store
from factory.training.checkpoint import CheckpointFolder
from factory.training.config import load_proxy_config
from factory.training.data import TokenBatches
from factory.training.data_parallel import train_data_parallel
from factory.training.loop import train
from factory.training.model import build_model
from factory.training.vocab import build_vocab_map
from mixing.helpers import c4_texts


def real_tokens(smollm2_dir, shared_data, path, vocab_size: int) -> np.memmap:
    """Real C4 text in SmolLM2 ids mapped to the config's prefix vocabulary, as a memory-mapped file."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(smollm2_dir / "tokenizer.json"))
    ids = [i for text in c4_texts(shared_data, 40) for i in tokenizer.encode(text, add_special_tokens=False).ids + [0]]
    return build_vocab_map(smollm2_dir, vocab_size).map_to_file([np.asarray(ids)], path)


def listening_during(work):
    """``work()``'s result and the addresses its child processes listened on while it ran."""
    import threading
    import time

    import psutil

    outcome, addresses = {}, set()

    def run():
        try:
            outcome["result"] = work()
        except BaseException as error:  # re-raised below, in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    while thread.is_alive():
        for child in psutil.Process().children(recursive=True):
            try:
                addresses |= {c.laddr.ip for c in child.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        time.sleep(0.05)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], addresses


def test_two_gloo_processes_follow_the_single_process_loss_curve_and_resume_exactly(smollm2_dir, shared_data, tmp_path):
    config = load_proxy_config("test-micro").with_overrides(train_tokens=20_480, log_every=2)
    tokens = real_tokens(smollm2_dir, shared_data, tmp_path / "tokens.bin", config.model.vocab_size)
    single = train(build_model(config), TokenBatches(tokens, config.context, config.batch_size, seed=config.seed), config)
    checkpoints = CheckpointFolder(Store(str(tmp_path / "store")), f"{tmp_path / 'store'}/_resume/seed-0")
    token_files = [(str(tokens.filename), str(tokens.dtype))]
    (parallel_model, parallel), listening = listening_during(
        lambda: train_data_parallel(config.with_overrides(processes=2), token_files, checkpoints))
    assert listening <= {"127.0.0.1", "::1"}, f"the training processes listened on {listening}"  # loopback only
    assert parallel.tokens == single.tokens and parallel.steps == single.steps
    single_loss = np.array([point["loss"] for point in single.curve])
    parallel_loss = np.array([point["loss"] for point in parallel.curve])
    assert single_loss[-1] < single_loss[0] - 0.1  # it learns
    np.testing.assert_allclose(parallel_loss, single_loss, atol=2e-3)
    assert sum(p.numel() for p in parallel_model.parameters()) == single.params["params"]

    # Process 0 left its step-35 checkpoint (of 40 steps): a rerun resumes there and ends on the same weights.
    resumed_model, resumed = train_data_parallel(config.with_overrides(processes=2), token_files, checkpoints)
    assert resumed.resumed_from_step == 35 and [p["loss"] for p in resumed.curve] == [p["loss"] for p in parallel.curve]
    assert all((a == b).all() for a, b in zip(resumed_model.parameters(), parallel_model.parameters(), strict=True))


def test_processes_are_operational():
    config = load_proxy_config("test-micro")
    assert config.with_overrides(processes=2).identity() == config.identity()
    assert config.with_overrides(processes=2).operational()["processes"] == 2
