"""Two worker processes on localhost train with MultiWorkerMirroredStrategy and match one process.

The workers talk over loopback only (127.0.0.1, free ports), every process is bounded in time
and killed if the test fails. Explained in chapter 11.
"""

import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np

HELPER = pathlib.Path(__file__).parent / "multiworker_check.py"
TIME_LIMIT = 240  # seconds for the whole exchange; two TF start-ups on a busy 2-core machine take most of it


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]
    finally:
        for each in sockets:
            each.close()


def start(out_path, tf_config=None):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    environment.pop("TF_CONFIG", None)
    if tf_config is not None:
        environment["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen([sys.executable, str(HELPER), str(out_path)], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(processes):
    """Wait for all processes within the time limit; kill them all if one fails or hangs."""
    outputs = []
    try:
        for process in processes:
            output, _ = process.communicate(timeout=TIME_LIMIT)
            outputs.append(output)
            assert process.returncode == 0, f"a process failed (exit {process.returncode}):\n{output[-3000:]}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


def load(path):
    with np.load(path) as saved:
        weights = [saved[f"arr_{index}"] for index in range(len(saved.files) - 4)]
        info = {"metrics": json.loads(str(saved["metrics"])), "strategy": str(saved["strategy"]),
                "replicas": int(saved["replicas"]), "moved": float(saved["moved"])}
        return weights, info


def test_two_workers_on_localhost_match_one_process(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = [
        start(tmp_path / f"worker_{index}.npz", {"cluster": cluster, "task": {"type": "worker", "index": index}})
        for index in range(2)
    ]
    finish(workers)
    finish([start(tmp_path / "single.npz")])

    single_weights, single = load(tmp_path / "single.npz")
    assert single["strategy"].startswith("default strategy") and single["replicas"] == 1
    assert single["moved"] > 1e-2  # training moved the weights, so agreeing below means something
    for index in range(2):
        weights, worker = load(tmp_path / f"worker_{index}.npz")
        assert worker["strategy"] == "MultiWorkerMirroredStrategy: 2 workers, 2 replicas in all"
        assert worker["replicas"] == 2
        difference = max(float(np.max(np.abs(a - b))) for a, b in zip(weights, single_weights))
        assert difference < 1e-5, f"worker {index} differs from one process by {difference:.2e}"
        for key, value in single["metrics"].items():
            assert abs(worker["metrics"][key] - value) < 1e-5, (key, worker["metrics"][key], value)
