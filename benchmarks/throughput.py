"""Throughput of the chapter-04 game: precision, replicas, GAN.fit against a hand-written loop, XLA.

    python benchmarks/throughput.py                 # about 4 minutes on a quiet 2-core CPU
    python benchmarks/throughput.py --steps 300 --repeats 2

Prints one markdown table of images/s (training images per second, batch 64, the chapter-04
players of ``ganlib.recipes.digits_gan`` without the groups, ``num_clusters=0``, as the hand-written
loop has no labels; sequential updates), with the machine it came from:

- float32 against ``mixed_bfloat16`` (bf16 matrix units: Intel AMX or AVX512-BF16);
- 1 against 2 replicas (``MirroredStrategy`` over the CPU split into 2 logical devices; both
  replicas share the same cores, so this shows the cost of the machinery, not a speed-up);
- ``GAN.fit`` against a plain ``tf.function`` loop that makes the same updates on the same models
  (benchmarks/digits.py's ``hand_written_step``);
- XLA (``GAN.compile(jit_compile=True)``) on and off.

For ``GAN.fit`` it also prints the seconds ``fit()`` spent after training ended (after the
callbacks' ``on_train_end``), when it drops its data iterator: on several replicas, tf.data's
autotuner in the per-device pipelines makes that wait (see the README).

Each configuration runs in its own process: logical devices are fixed when TensorFlow starts,
and a fresh process also gives each configuration a fresh graph optimizer. Speed figures vary
with whatever else the machine runs: compare within one run. Explained in chapter 11.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BATCH_SIZE = 64
#: name -> (replicas, precision, runner, XLA)
CONFIGURATIONS = {
    "fit float32": (1, "float32", "fit", False),
    "fit bfloat16": (1, "bfloat16", "fit", False),
    "loop float32": (1, "float32", "loop", False),
    "loop bfloat16": (1, "bfloat16", "loop", False),
    "fit float32 XLA": (1, "float32", "fit", True),
    "fit bfloat16 XLA": (1, "bfloat16", "fit", True),
    "fit float32 2 replicas": (2, "float32", "fit", False),
    "fit bfloat16 2 replicas": (2, "bfloat16", "fit", False),
}


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ----------------------------------------------------------- one configuration (child process)
def measure(name: str, steps: int, warmup: int) -> dict:
    """images/s of one configuration; runs in a process of its own."""
    replicas, precision, runner, xla = CONFIGURATIONS[name]
    import tensorflow as tf

    from ganlib import distribute

    if replicas > 1:
        distribute.split_cpu(replicas)
    import keras

    from ganlib import data, recipes

    sys.path.insert(0, str(HERE))
    import digits  # benchmarks/digits.py: the hand-written loop

    images = data.scale_images(data.load_digits(split="train")[0])
    dataset = data.make_dataset(images, BATCH_SIZE, seed=0).repeat()
    strategy = distribute.auto_strategy(verbose=False) if replicas > 1 else tf.distribute.get_strategy()
    with strategy.scope():
        gan = recipes.digits_gan(seed=0, precision=precision, generator_average=0.0, num_clusters=0)
        if xla:
            gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), jit_compile=True)
    if runner == "fit":

        class TrainingEnd(keras.callbacks.Callback):
            """Notes when fit's training ends, before fit drops its data iterator."""

            def on_train_end(self, logs=None):
                self.time = time.perf_counter()

        training_end = TrainingEnd()
        gan.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0)
        started = time.perf_counter()
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[training_end])
        seconds = time.perf_counter() - started
        waited = time.perf_counter() - training_end.time
    else:
        step = digits.hand_written_step(gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer,
                                        gan.latent_dim, simultaneous=False)
        iterator = iter(dataset)
        for _ in range(warmup):
            step(next(iterator))
        started = time.perf_counter()
        for _ in range(steps):
            d_loss, _ = step(next(iterator))
        float(d_loss)  # wait for the last step
        seconds = time.perf_counter() - started
        waited = 0.0
    samples = gan.generate(64, seed=1)
    return {
        "name": name, "images_per_second": steps * BATCH_SIZE / seconds, "seconds": seconds,
        "seconds_after_training": waited,
        "replicas": strategy.num_replicas_in_sync, "compute_dtype": gan.generator.dtype_policy.compute_dtype,
        "samples_finite": bool(abs(samples).max() <= 1.0 and (samples == samples).all()),
        "tensorflow": tf.__version__, "keras": keras.__version__,
    }


# ------------------------------------------------------------------------------ the run
def run_child(name: str, steps: int, warmup: int, timeout: float) -> dict:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    completed = subprocess.run(
        [sys.executable, __file__, "--child", name, "--steps", str(steps), "--warmup", str(warmup)],
        env=environment, capture_output=True, text=True, timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"configuration {name!r} failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["remapper_failed"] = "remapper failed" in completed.stderr
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per configuration (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first, to trace and warm up")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each configuration, alternated")
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGURATIONS), help="a subset of the configurations")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        print(json.dumps(measure(arguments.child, arguments.steps, arguments.warmup)))
        return

    names = arguments.only or list(CONFIGURATIONS)
    results = {name: [] for name in names}
    started = time.perf_counter()
    for _ in range(arguments.repeats):  # alternate, so drift in the machine's load hits all alike
        for name in names:
            results[name].append(run_child(name, arguments.steps, arguments.warmup, timeout=600))
            print(f"  {name}: {results[name][-1]['images_per_second']:.0f} images/s", file=sys.stderr, flush=True)
    first = results[names[0]][0]
    print(f"\nMachine: {cpu_model()}, {os.cpu_count()} cores; TensorFlow {first['tensorflow']}, "
          f"Keras {first['keras']}; batch {BATCH_SIZE}, {arguments.steps} timed steps after {arguments.warmup} "
          f"warm-up steps, {arguments.repeats} run(s) each; {time.perf_counter() - started:.0f} s in all.\n")
    print("| configuration | replicas | compute dtype | images/s | each run | s after training | samples in [-1, 1] |")
    print("|---|---|---|---|---|---|---|")
    mean = {}
    for name in names:
        speeds = [result["images_per_second"] for result in results[name]]
        mean[name] = sum(speeds) / len(speeds)
        result = results[name][0]
        waits = [r["seconds_after_training"] for r in results[name]]
        flags = " (grappler: remapper failed)" if any(r["remapper_failed"] for r in results[name]) else ""
        print(f"| {name}{flags} | {result['replicas']} | {result['compute_dtype']} | {mean[name]:,.0f} | "
              f"{', '.join(f'{speed:,.0f}' for speed in speeds)} | "
              f"{', '.join(f'{wait:.2f}' for wait in waits)} | "
              f"{'yes' if all(r['samples_finite'] for r in results[name]) else 'NO'} |")
    print()
    for label, top, bottom in (
        ("bfloat16 / float32 (GAN.fit)", "fit bfloat16", "fit float32"),
        ("bfloat16 / float32 (hand-written loop)", "loop bfloat16", "loop float32"),
        ("GAN.fit / hand-written loop (float32)", "fit float32", "loop float32"),
        ("GAN.fit / hand-written loop (bfloat16)", "fit bfloat16", "loop bfloat16"),
        ("XLA / no XLA (float32)", "fit float32 XLA", "fit float32"),
        ("XLA / no XLA (bfloat16)", "fit bfloat16 XLA", "fit bfloat16"),
        ("2 replicas / 1 replica (float32)", "fit float32 2 replicas", "fit float32"),
        ("2 replicas / 1 replica (bfloat16)", "fit bfloat16 2 replicas", "fit bfloat16"),
    ):
        if top in mean and bottom in mean:
            print(f"- {label}: {mean[top] / mean[bottom]:.2f}")


if __name__ == "__main__":
    main()
