"""The command line: train the course's forgers and draw from them without opening a notebook.

    python -m ganlib train digits --out DIR [--seconds S] [--epochs N] [--seed K]
    python -m ganlib sample DIR/generator.keras --out grid.png [-n 64] [--seed K]

``train digits`` runs the chapter-04 recipe (`ganlib.recipes`) on the bundled digits with a
progress bar, then writes ``DIR/generator.keras`` (a float32 Keras model: standard-normal
latent vectors in, images of shape (28, 28, 1) in [-1, 1] out), ``DIR/samples.png``, and
``DIR/metrics.json`` with chapter 07's measures of 1,000 samples (also printed).
Explained in chapter 04.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

TRAIN_TARGETS = ("digits",)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description="Train and sample the course's forgers.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a forger and save it")
    train.add_argument("target", choices=TRAIN_TARGETS, help="what to learn: digits (chapter 04)")
    train.add_argument("--out", type=pathlib.Path, required=True, help="folder for generator.keras and samples.png")
    train.add_argument("--seconds", type=_positive_float, help="wall-clock training budget (default 60 if no --epochs)")
    train.add_argument("--epochs", type=_positive_int, help="passes over the 4,000 training digits")
    train.add_argument("--seed", type=int, default=0, help="seed of the whole run (default 0)")
    train.add_argument(
        "--precision", choices=("auto", "float32", "bfloat16"), default="auto",
        help="auto: bfloat16 on CPUs with bf16 units, else float32",
    )

    sample = commands.add_parser("sample", help="draw a grid of samples from a saved forger")
    sample.add_argument("generator", type=pathlib.Path, help="a generator.keras file")
    sample.add_argument("--out", type=pathlib.Path, required=True, help="PNG file to write")
    sample.add_argument("-n", "--num-samples", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    return parser


def train_digits_command(arguments) -> dict:
    from ganlib import plots, recipes

    seconds = arguments.seconds if arguments.seconds or arguments.epochs else 60.0
    budget = f"{seconds:g} s" if seconds else f"{arguments.epochs} epochs"
    precision = recipes.resolve_precision(arguments.precision)
    print(f"training the chapter-04 forger on the bundled digits for {budget} ({precision}, seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = recipes.train_digits(
        seconds=seconds, epochs=arguments.epochs, seed=arguments.seed, precision=precision, progress=True
    )
    elapsed = time.perf_counter() - started
    steps = int(gan.g_optimizer.iterations.numpy())
    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    generator = recipes.export_generator(gan)
    generator.save(out / "generator.keras")
    images = gan.generate(64, seed=arguments.seed)
    plots.save_images(images, out / "samples.png", title=f"{steps} steps, {elapsed:.0f} s")
    from ganlib import metrics

    quality = metrics.evaluate_digits(gan, num_samples=1000, seed=arguments.seed)
    (out / "metrics.json").write_text(json.dumps(quality, indent=2) + "\n")
    print("\nquality of 1,000 samples against the held-out digits (chapter 07):")
    for name, value in quality.items():
        print(f"  {name:20s} {value:.4g}" if isinstance(value, float) else f"  {name:20s} {value}")
    last = {name: round(float(values[-1]), 4) for name, values in history.history.items()}
    summary = {"steps": steps, "seconds": round(elapsed, 1), "images_per_second": round(
        steps * recipes.DIGITS_RECIPE["batch_size"] / elapsed), **last}
    print(f"\n{steps} steps in {elapsed:.1f} s; last epoch: " + ", ".join(f"{k} {v}" for k, v in last.items()))
    print(f"wrote {out / 'generator.keras'}, {out / 'samples.png'} and {out / 'metrics.json'}")
    return summary


def sample_command(arguments) -> None:
    import keras
    import numpy as np

    from ganlib import plots

    if not arguments.generator.exists():
        raise SystemExit(f"no such generator file: {arguments.generator}")
    generator = keras.models.load_model(arguments.generator)
    latent_dim = generator.input_shape[-1]
    latent = keras.random.normal((arguments.num_samples, latent_dim), seed=arguments.seed)
    images = np.asarray(generator.predict(latent, verbose=0))
    plots.save_images(images, arguments.out)
    print(f"wrote {arguments.num_samples} samples to {arguments.out}")


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    arguments = build_parser().parse_args(argv)
    if arguments.command == "train":
        summary = train_digits_command(arguments)
        (arguments.out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    else:
        sample_command(arguments)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
