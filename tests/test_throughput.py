"""benchmarks/throughput.py (chapter 11) end to end, with few steps: the table it prints and what it measures."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_throughput_prints_a_row_per_configuration_with_the_wait_after_training():
    command = [sys.executable, "benchmarks/throughput.py", "--only", "fit float32", "loop float32",
               "--steps", "4", "--warmup", "2"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = {line.split("|")[1].strip().split(" (")[0]: [cell.strip() for cell in line.split("|")[2:-1]]
            for line in completed.stdout.splitlines() if line.startswith("| fit") or line.startswith("| loop")}
    assert set(rows) == {"fit float32", "loop float32"}
    for name, (replicas, dtype, speed, each_run, waited, samples) in rows.items():
        assert replicas == "1" and dtype == "float32", name
        assert float(speed.replace(",", "")) > 0 and each_run == speed, name  # one run: its mean is itself
        assert float(waited) >= 0.0, name
        assert samples == "yes", name
    assert float(rows["loop float32"][4]) == 0.0  # the hand loop has no fit() to wait in
    assert "GAN.fit / hand-written loop (float32):" in completed.stdout
