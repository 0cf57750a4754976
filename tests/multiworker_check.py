"""One worker of a MultiWorkerMirroredStrategy game, or the same game in one process (not a test module).

tests/test_multiworker.py starts two of these as workers on localhost, each with its own
``TF_CONFIG``, and one more without ``TF_CONFIG`` as the single-process reference:

    python tests/multiworker_check.py OUT.npz                 # one process, one device
    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:P0", "127.0.0.1:P1"]}, "task": {"type": "worker", "index": 0}}' \\
        python tests/multiworker_check.py OUT.npz             # worker 0 (and index 1 for worker 1)

Each writes the players' weights after training, and the reported metrics, to ``OUT.npz``.
The strategy comes from ``ganlib.distribute.auto_strategy()``, so this also checks that it
picks MultiWorkerMirroredStrategy from ``TF_CONFIG``.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import distributed_check  # noqa: E402

import ganlib  # noqa: E402
from ganlib import distribute  # noqa: E402

VARIANT = "wasserstein_gp"  # noise for the forger and for the penalty's interpolation weights


def main(out_path):
    strategy = distribute.auto_strategy(verbose=False)
    make_players, options, kind = distributed_check.VARIANTS[VARIANT]
    samples, _ = distributed_check.real_data(kind, distributed_check.STEPS)
    dataset = tf.data.Dataset.from_tensor_slices(samples).batch(distributed_check.GLOBAL_BATCH)
    ganlib.runtime.set_seed(0)
    with strategy.scope():
        generator, discriminator = make_players()
        gan = ganlib.GAN(generator, discriminator, seed=0, **options)
        gan.compile(d_optimizer=distributed_check.make_optimizer("sgd"),
                    g_optimizer=distributed_check.make_optimizer("sgd"))
    initial = [np.asarray(weight) for weight in generator.get_weights() + discriminator.get_weights()]
    history = gan.fit(dataset, epochs=1, verbose=0)
    weights = [np.asarray(weight) for weight in generator.get_weights() + discriminator.get_weights()]
    moved = max(float(np.max(np.abs(after - before))) for after, before in zip(weights, initial))
    metrics = {key: float(values[-1]) for key, values in history.history.items()}
    np.savez(out_path, *weights, metrics=json.dumps(metrics), strategy=distribute.describe_strategy(strategy),
             replicas=strategy.num_replicas_in_sync, moved=moved)


if __name__ == "__main__":
    keras.config.disable_interactive_logging()
    main(sys.argv[1])
