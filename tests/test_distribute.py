"""ganlib.distribute and the game on 2 replicas: every loss and option matches one device.

The 2-replica runs happen in a subprocess (tests/distributed_check.py), because the CPU must be
split into logical devices before TensorFlow sets up its devices. Explained in chapter 11.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import tensorflow as tf

from ganlib import distribute

HELPER = pathlib.Path(__file__).parent / "distributed_check.py"
TOLERANCE = 1e-5
EQUAL_VARIANTS = [
    "minimax", "non_saturating", "wasserstein_gp", "hinge", "least_squares", "d_steps_2", "label_smoothing",
    "pack_2", "simultaneous", "spectral_norm_hinge", "dcgan_synchronized_bn", "conditional", "self_conditioned",
    "non_saturating@adam", "conditional@adam",
    # the modern recipe (chapter 06): the relativistic pairing loss, R1 and R2, in both orders, packed, conditional
    "relativistic", "relativistic_r1_r2", "relativistic_r1_r2_simultaneous", "r1_r2_pack_2", "conditional_r1_r2",
]


def helper_report(*arguments, timeout=600) -> dict:
    """The JSON report of tests/distributed_check.py run with ``arguments`` on 2 logical CPU devices."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    environment.pop("TF_CONFIG", None)
    completed = subprocess.run([sys.executable, str(HELPER), *arguments], env=environment,
                               capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    return report


def run_helper(*arguments, timeout=600):
    report = helper_report(*arguments, timeout=timeout)
    return {result["variant"] + "@" + result["optimizer"]: result for result in report["results"]}


@pytest.fixture(scope="module")
def results(request):
    """The helper's reports on the variants the selected tests read: all of them, or those ``-k`` picked."""
    selected = {item.name for item in request.session.items}
    variants = [variant for variant in EQUAL_VARIANTS
                if f"test_two_replicas_train_the_same_game_as_one_device[{variant}]" in selected]
    if "test_per_replica_batch_norm_statistics_do_not_match_one_device" in selected:
        variants.append("dcgan_per_replica_bn")
    return run_helper(*variants)


@pytest.mark.parametrize("variant", EQUAL_VARIANTS)
def test_two_replicas_train_the_same_game_as_one_device(results, variant):
    result = results[variant if "@" in variant else variant + "@sgd"]
    assert result["weights_moved"] > 1e-3, "training must move the weights for the comparison to mean anything"
    assert result["weight_difference"] < TOLERANCE, result
    assert result["metric_difference"] < TOLERANCE, result
    # the expert's verdicts: probabilities D(x) under the probability losses, raw scores under the others
    assert set(result["metrics_two_replicas"]) in ({"d_loss", "g_loss", "d_real", "d_fake"},
                                                   {"d_loss", "g_loss", "score_real", "score_fake"})
    assert set(result["metrics_two_replicas"]) == set(result["metrics_one_replica"])


def test_per_replica_batch_norm_statistics_do_not_match_one_device(results):
    """The chapter-04 forger's BatchNormalization normalizes each replica's half batch by itself:
    a different computation from one device's. synchronized=True (dcgan_synchronized_bn) fixes it."""
    assert results["dcgan_per_replica_bn@sgd"]["weight_difference"] > 100 * TOLERANCE


def test_the_comparison_catches_losses_averaged_per_replica():
    """The classic bug, on purpose: each replica averages over its own half batch, so the summed
    gradients are twice too large. SGD shows it in the weights; Adam, invariant to the scale, hides most of it."""
    results = run_helper("--per-replica-mean", "non_saturating", "non_saturating@adam")
    assert results["non_saturating@sgd"]["weight_difference"] > 1000 * TOLERANCE
    assert results["non_saturating@sgd"]["weight_difference"] > 0.3 * results["non_saturating@sgd"]["weights_moved"]
    assert results["non_saturating@adam"]["weight_difference"] > 2 * TOLERANCE


def test_a_batch_with_a_nan_stops_two_replicas_before_it_changes_a_weight():
    for result in helper_report("--non-finite")["non_finite"]:
        assert result["message"] and "batch 2 of epoch 0 has 1 non-finite values" in result["message"], result
        assert result["weights_moved"] > 1e-3, result  # the good batches trained
        assert result["weight_difference"] == 0.0, result  # and the bad one changed nothing


def test_split_cpu_after_tensorflow_started_raises_a_clear_error():
    tf.constant(0.0)  # make sure TensorFlow has set up its devices in this process
    current = len(tf.config.list_logical_devices("CPU"))
    assert distribute.split_cpu(current) == [device.name for device in tf.config.list_logical_devices("CPU")]
    with pytest.raises(RuntimeError, match="too late"):
        distribute.split_cpu(current + 1)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="positive integer"):
            distribute.split_cpu(bad)


def test_auto_strategy_on_one_cpu_is_the_default_strategy(monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if len(tf.config.list_logical_devices("CPU")) > 1 or tf.config.list_physical_devices("GPU"):
        pytest.skip("this process has several devices")
    strategy = distribute.auto_strategy()
    assert strategy.num_replicas_in_sync == 1
    assert "default strategy: 1 replica on the CPU" in capsys.readouterr().out


def test_auto_strategy_uses_the_logical_cpu_devices():
    script = (
        "from ganlib import distribute; print(distribute.split_cpu(2)); "
        "strategy = distribute.auto_strategy(); print(strategy.num_replicas_in_sync)"
    )
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    environment.pop("TF_CONFIG", None)
    completed = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.strip().splitlines()
    assert lines[-3] == "['/device:CPU:0', '/device:CPU:1']"
    assert lines[-2] == "MirroredStrategy: 2 replicas on CPU:0, CPU:1"
    assert lines[-1] == "2"


def test_a_malformed_tf_config_is_refused(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG must be JSON"):
        distribute.auto_strategy()


def test_a_tf_config_that_is_not_a_json_object_is_refused(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '["worker"]')
    with pytest.raises(ValueError, match=r"TF_CONFIG must be JSON with a 'cluster' and a 'task'; got '\[\"worker\"\]'"):
        distribute.auto_strategy()
