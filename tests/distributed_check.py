"""Train the same game on 1 and on 2 replicas and print how far apart the results are (JSON).

Not a test module: tests/test_distribute.py runs it in a subprocess, because the CPU must be
split into logical devices before TensorFlow sets up its devices, once per process.

    python tests/distributed_check.py minimax hinge conditional    # some variants
    python tests/distributed_check.py --all
    python tests/distributed_check.py --per-replica-mean non_saturating   # the classic bug, on purpose
    python tests/distributed_check.py conditional@adam                    # with Adam instead of SGD
    python tests/distributed_check.py --non-finite                        # a NaN in batch 2 of 4, on 2 replicas

For each variant: build the players once, copy their weights into a one-replica and a
two-replica ``MirroredStrategy`` (logical devices CPU:0 and CPU:1), train both for a few
steps on the same global batches with the same seed, and report the largest difference of
any weight and of the reported metrics. The players have no Dropout: a Dropout layer draws
its mask on each replica from that replica's own random stream, so it cannot match one device.

The optimizer is SGD with momentum by default: it moves each weight in proportion to its
gradient, so a gradient of the wrong scale shows at once. Adam divides the gradient by its
own running size, which hides a wrong scale almost entirely (``--per-replica-mean`` with
``@adam``), and it turns round-off in a gradient that is almost exactly zero into a step of
about its learning rate; Adam runs are reported too (``variant@adam``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from ganlib import distribute  # noqa: E402

if __name__ == "__main__":
    distribute.split_cpu(2)  # before anything else touches the devices

import keras  # noqa: E402
import numpy as np  # noqa: E402

import ganlib  # noqa: E402
from ganlib import models  # noqa: E402

GLOBAL_BATCH = 16
STEPS = 3


def toy_players(spectral_normalization=False, pack=1):
    generator = models.mlp_generator(latent_dim=4, output_dim=2, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=2 * pack, width=16, depth=2,
                                             spectral_normalization=spectral_normalization)
    return generator, discriminator


def digit_players(synchronized=True):
    generator = models.dcgan_generator(latent_dim=8, width=4, synchronized_batch_norm=synchronized)
    return generator, models.dcgan_discriminator(width=4)


def conditional_players():
    generator = models.conditional_dcgan_generator(latent_dim=8, num_classes=10, width=4, embedding_dim=4,
                                                   synchronized_batch_norm=True)
    discriminator = models.conditional_dcgan_discriminator(num_classes=10, width=4)
    return generator, discriminator


def self_conditioned_players():
    """Chapter 04's self-conditioned forger: its group from its latent, three groups of unequal shares."""
    generator = models.self_conditioned_dcgan_generator([0.5, 0.3, 0.2], latent_dim=8, width=4, embedding_dim=4,
                                                        synchronized_batch_norm=True)
    return generator, models.conditional_dcgan_discriminator(num_classes=3, width=4)


#: the zero-centred penalties' weights in the variants that use them
R1_R2 = {"r1_penalty": 1.0, "r2_penalty": 1.0}
#: name -> (players, GAN options, kind of data)
VARIANTS = {
    "minimax": (toy_players, {"loss": "minimax"}, "points"),
    "non_saturating": (toy_players, {"loss": "non_saturating"}, "points"),
    "wasserstein_gp": (toy_players, {"loss": "wasserstein", "gradient_penalty": 10.0}, "points"),
    "hinge": (toy_players, {"loss": "hinge"}, "points"),
    "least_squares": (toy_players, {"loss": "least_squares"}, "points"),
    "d_steps_2": (toy_players, {"d_steps": 2}, "points"),
    "label_smoothing": (toy_players, {"label_smoothing": 0.1}, "points"),
    "pack_2": (lambda: toy_players(pack=2), {"pack": 2}, "points"),
    "simultaneous": (toy_players, {"update_order": "simultaneous"}, "points"),
    "spectral_norm_hinge": (lambda: toy_players(spectral_normalization=True), {"loss": "hinge"}, "points"),
    "dcgan_synchronized_bn": (digit_players, {}, "images"),
    "conditional": (conditional_players, {"num_classes": 10, "loss": "hinge"}, "labelled_images"),
    "self_conditioned": (self_conditioned_players, {"num_classes": 3}, "grouped_images"),
    # the modern recipe: the relativistic pairing loss, R1 on real samples and R2 on forgeries
    "relativistic": (toy_players, {"loss": "relativistic"}, "points"),
    "relativistic_r1_r2": (toy_players, {"loss": "relativistic", **R1_R2}, "points"),
    "relativistic_r1_r2_simultaneous": (toy_players, {"loss": "relativistic", "update_order": "simultaneous", **R1_R2},
                                        "points"),
    "r1_r2_pack_2": (lambda: toy_players(pack=2), {"loss": "non_saturating", "pack": 2, **R1_R2}, "points"),
    "conditional_r1_r2": (conditional_players, {"num_classes": 10, "loss": "relativistic", **R1_R2}, "labelled_images"),
    # per-replica batch statistics: expected to differ (the chapter shows why)
    "dcgan_per_replica_bn": (lambda: digit_players(synchronized=False), {}, "images"),
}


def real_data(kind, num_batches):
    rng = np.random.default_rng(0)
    count = GLOBAL_BATCH * num_batches
    if kind == "points":
        return ganlib.data.sample_ring(count, seed=0).astype(np.float32), None
    images = np.tanh(rng.normal(size=(count, 28, 28, 1))).astype(np.float32)
    classes = {"labelled_images": 10, "grouped_images": 3}.get(kind)
    labels = rng.integers(0, classes, size=count).astype(np.int32) if classes else None
    return images, labels


_STRATEGIES = {}


def strategy_over(devices):
    """One MirroredStrategy per set of devices for the whole process: strategies created anew for
    each variant reuse the same collective-op keys, and TensorFlow then mixes up their all-reduces."""
    if devices not in _STRATEGIES:
        _STRATEGIES[devices] = tf.distribute.MirroredStrategy(list(devices))
    return _STRATEGIES[devices]


def make_optimizer(name):
    """SGD shows a wrong gradient scale directly; Adam divides it out (it is invariant to the scale)."""
    return keras.optimizers.SGD(0.05, momentum=0.5) if name == "sgd" else keras.optimizers.Adam(1e-3, beta_1=0.5)


def train(name, devices, initial_weights, steps=STEPS, optimizer="sgd"):
    """Train variant ``name`` under a MirroredStrategy over ``devices``; return (weights, metrics)."""
    make_players, options, kind = VARIANTS[name]
    samples, labels = real_data(kind, steps)
    parts = samples if labels is None else (samples, labels)
    dataset = tf.data.Dataset.from_tensor_slices(parts).batch(GLOBAL_BATCH)
    strategy = strategy_over(tuple(devices))
    with strategy.scope():
        generator, discriminator = make_players()
        generator.set_weights(initial_weights[0])
        discriminator.set_weights(initial_weights[1])
        gan = ganlib.GAN(generator, discriminator, seed=0, **options)
        gan.compile(d_optimizer=make_optimizer(optimizer), g_optimizer=make_optimizer(optimizer))
    history = gan.fit(dataset, epochs=1, verbose=0)
    weights = [np.asarray(w) for w in generator.get_weights() + discriminator.get_weights()]
    return weights, {key: float(values[-1]) for key, values in history.history.items()}


def compare(name, steps=STEPS, optimizer="sgd"):
    make_players = VARIANTS[name][0]
    ganlib.runtime.set_seed(0)
    generator, discriminator = make_players()
    initial = (generator.get_weights(), discriminator.get_weights())
    started = time.perf_counter()
    one_weights, one_metrics = train(name, ["/cpu:0"], initial, steps, optimizer)
    two_weights, two_metrics = train(name, ["/cpu:0", "/cpu:1"], initial, steps, optimizer)
    moved = max(float(np.max(np.abs(w - w0))) for w, w0 in zip(one_weights, initial[0] + initial[1]))
    return {
        "variant": name,
        "optimizer": optimizer,
        "weight_difference": max(float(np.max(np.abs(a - b))) for a, b in zip(one_weights, two_weights)),
        "metric_difference": max(abs(one_metrics[key] - two_metrics[key]) for key in one_metrics),
        "weights_moved": moved,  # how far training moved the weights: the differences are small next to it
        "metrics_one_replica": one_metrics,
        "metrics_two_replicas": two_metrics,
        "seconds": round(time.perf_counter() - started, 2),
    }


def non_finite_stop(order="simultaneous", bad_batch=2, num_batches=4):
    """On 2 replicas: fit on data with one NaN in batch ``bad_batch``, and the same fit on the good batches only.

    Reports the error message and how far the weights after the stop are from the good-batches run
    (0 when the bad batch changed nothing). On 2 replicas the distributed input fails before the
    replicated step starts; on one device the step's control dependency on its batch is what keeps
    the simultaneous order's forger still (tests/test_bad_data.py).
    """
    samples, _ = real_data("points", num_batches)
    spoiled = samples.copy()
    spoiled[bad_batch * GLOBAL_BATCH + 3, 1] = np.nan
    ganlib.runtime.set_seed(0)
    generator, discriminator = toy_players()
    initial = (generator.get_weights(), discriminator.get_weights())
    weights, message = {}, None
    for name, data in (("good batches only", samples[: bad_batch * GLOBAL_BATCH]), ("with the bad batch", spoiled)):
        with strategy_over(("/cpu:0", "/cpu:1")).scope():
            generator, discriminator = toy_players()
            generator.set_weights(initial[0])
            discriminator.set_weights(initial[1])
            gan = ganlib.GAN(generator, discriminator, seed=0, update_order=order)
            gan.compile(d_optimizer=make_optimizer("sgd"), g_optimizer=make_optimizer("sgd"))
        try:
            gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(GLOBAL_BATCH), epochs=1, verbose=0)
        except ValueError as error:
            message = str(error)
        weights[name] = [np.asarray(w) for w in generator.get_weights() + discriminator.get_weights()]
    difference = max(float(np.max(np.abs(a - b)))
                     for a, b in zip(weights["good batches only"], weights["with the bad batch"]))
    return {"order": order, "message": message, "weight_difference": difference,
            "weights_moved": max(float(np.max(np.abs(w - w0))) for w, w0 in
                                 zip(weights["good batches only"], initial[0] + initial[1]))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help=f"some of {sorted(VARIANTS)}, each optionally with @adam or @sgd")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"))
    parser.add_argument("--per-replica-mean", action="store_true",
                        help="average each replica's losses over its own half batch (the classic bug)")
    parser.add_argument("--non-finite", action="store_true", help="the stop at a batch with a NaN, on 2 replicas")
    arguments = parser.parse_args(argv)
    if arguments.non_finite:
        results = [non_finite_stop(order) for order in ("sequential", "simultaneous")]
        print(json.dumps({"replicas": len(tf.config.list_logical_devices("CPU")), "non_finite": results}))
        return
    names = list(VARIANTS) if arguments.all else arguments.variants
    unknown = sorted({name.split("@")[0] for name in names} - set(VARIANTS))
    if unknown or not names:
        parser.error(f"expected variants from {sorted(VARIANTS)}; got {names}")
    if arguments.per_replica_mean:
        tf.nn.compute_average_loss = lambda per_example, **kwargs: tf.reduce_mean(per_example)
    results = []
    for name in names:  # "variant@adam" trains that variant with Adam instead of --optimizer
        variant, _, optimizer = name.partition("@")
        results.append(compare(variant, optimizer=optimizer or arguments.optimizer))
    print(json.dumps({"replicas": len(tf.config.list_logical_devices("CPU")), "results": results}))


if __name__ == "__main__":
    sys.exit(main())
