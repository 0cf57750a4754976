"""Many devices for one game: pick a ``tf.distribute`` strategy, split a CPU into logical devices.

- `auto_strategy`: one call that picks the strategy for the machine at hand (a TPU, GPUs,
  several workers named in ``TF_CONFIG``, a CPU split into logical devices, or one device)
  and says in plain words what it found.
- `split_cpu`: turn the CPU into N logical devices, so that everything about replicas can be
  shown and tested on a laptop. Call it before TensorFlow sets up its devices.
- `describe_strategy`: the plain-words description of a strategy.

Build the players and compile the `ganlib.GAN` inside ``strategy.scope()``; ``fit()`` then
splits each global batch over the replicas. Explained in chapter 11.
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from ganlib import checks


def split_cpu(num_devices: int) -> list[str]:
    """Split the CPU into ``num_devices`` logical devices and return their names.

    Logical devices are fixed when TensorFlow first sets up its devices (the first op, model
    or ``tf.config.list_logical_devices`` call), so call this first, right after importing.
    Calling it again with the same number is harmless. Explained in chapter 11.
    """
    checks.check_positive_int("num_devices", num_devices)
    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)]
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError as error:
        current = tf.config.list_logical_devices("CPU")
        if len(current) == num_devices:
            return [device.name for device in current]
        raise RuntimeError(
            f"split_cpu({num_devices}) came too late: TensorFlow has already set up its devices "
            f"({len(current)} logical CPU device(s) now). Call ganlib.distribute.split_cpu first, "
            "before building any model or running any TensorFlow op (restart the kernel in a notebook)."
        ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def _cluster_from_tf_config() -> dict:
    """The ``cluster`` part of ``TF_CONFIG`` ({} when unset); ValueError when it is not a JSON object."""
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        return {}
    expected = f"TF_CONFIG must be JSON with a 'cluster' and a 'task'; got {text[:200]!r}"
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(expected) from error
    if not isinstance(config, dict):
        raise ValueError(expected)
    return config.get("cluster", {})


def _tpu_resolver():
    """A TPU cluster resolver when a TPU is attached (Colab or a Cloud TPU VM), else None."""
    if os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"):
        return tf.distribute.cluster_resolver.TPUClusterResolver()  # a TPU reached over the network
    if tf.config.list_physical_devices("TPU"):
        return tf.distribute.cluster_resolver.TPUClusterResolver(tpu="local")  # a TPU VM
    return None


def auto_strategy(verbose: bool = True) -> tf.distribute.Strategy:
    """The strategy for this machine, picked in this order (and printed when ``verbose``):

    1. a TPU (Colab or a Cloud TPU): ``TPUStrategy``;
    2. ``TF_CONFIG`` naming more than one worker: ``MultiWorkerMirroredStrategy``;
    3. one or more GPUs: ``MirroredStrategy`` over all of them;
    4. a CPU split into several logical devices (`split_cpu`): ``MirroredStrategy`` over them;
    5. otherwise the default strategy (one device, no replicas to keep in sync).

    Explained in chapter 11.
    """
    resolver = _tpu_resolver()
    if resolver is not None:
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
    elif sum(len(tasks) for role, tasks in _cluster_from_tf_config().items() if role in ("chief", "worker")) > 1:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    elif tf.config.list_physical_devices("GPU"):
        strategy = tf.distribute.MirroredStrategy()
    elif len(tf.config.list_logical_devices("CPU")) > 1:
        strategy = tf.distribute.MirroredStrategy([device.name for device in tf.config.list_logical_devices("CPU")])
    else:
        strategy = tf.distribute.get_strategy()
    if verbose:
        print(describe_strategy(strategy))
    return strategy


def describe_strategy(strategy: tf.distribute.Strategy) -> str:
    """What a strategy runs on, in one plain sentence. Explained in chapter 11."""
    replicas = strategy.num_replicas_in_sync
    if isinstance(strategy, tf.distribute.TPUStrategy):
        return f"TPUStrategy: {replicas} TPU cores, one replica each"
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        cluster = _cluster_from_tf_config()
        workers = sum(len(tasks) for role, tasks in cluster.items() if role in ("chief", "worker"))
        return f"MultiWorkerMirroredStrategy: {workers} workers, {replicas} replicas in all"
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        devices = ", ".join(device.split("/")[-1].replace("device:", "") for device in strategy.extended.worker_devices)
        return f"MirroredStrategy: {replicas} replicas on {devices}"
    device = "a GPU" if tf.config.list_physical_devices("GPU") else "the CPU"
    return f"default strategy: 1 replica on {device} (no devices to keep in sync)"
