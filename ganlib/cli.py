"""The command line: train the course's forgers and draw from them without opening a notebook.

    python -m ganlib train digits --out DIR [--seconds S] [--epochs N] [--seed K]
    python -m ganlib train digits --conditional --out DIR [--seconds S] [--epochs N] [--seed K]
    python -m ganlib train ring|grid --out DIR [--recipe NAME] [--steps N] [--seed K]
    python -m ganlib sample DIR/generator.keras --out grid.png [-n 64] [--seed K]

``train digits`` runs the chapter-04 recipe (`ganlib.recipes`) on the bundled digits with a
progress bar, then writes ``DIR/generator.keras`` (a float32 Keras model: standard-normal
latent vectors in, images of shape (28, 28, 1) in [-1, 1] out), ``DIR/samples.png``, and
``DIR/metrics.json`` with chapter 07's measures of 1,000 samples (also printed).
Explained in chapter 04.

``train digits --conditional`` runs chapter 08's conditional recipe and writes a conditional
``DIR/generator.keras`` (float32; inputs: standard-normal latent vectors and integer digit labels;
output: images in [-1, 1]), ``DIR/samples.png`` (one row per requested digit) and
``DIR/metrics.json``: how often the bundled digit classifier recognizes the requested digit in
1,000 samples (100 per digit), per digit and overall, and chapter 07's measures (also printed).

``train ring`` and ``train grid`` run a chapter-06 toy recipe (`ganlib.recipes.TOY_RECIPES`;
default: the best one on the benchmark, ``recipes.BEST_TOY_RECIPE``) on the ring of 8 or the grid
of 25 Gaussians for the recipe's steps (or ``--steps``), then write ``DIR/generator.keras``
(float32: standard-normal latent vectors in, 2-D points out), a scatter plot ``DIR/samples.png``,
and ``DIR/metrics.json`` with the mode statistics of 2,500 samples (also printed): modes
captured, share of high-quality samples, reverse KL. Explained in chapters 05 and 06.

``sample`` draws from a forger of digits, unconditional (chapter 04) or conditional (chapter 08,
one row per label). A file it cannot use (not a ``.keras`` archive, a damaged one, or a model
that is no such forger: an expert, a classifier, a forger of 2-D points) gets one line on
stderr that says why, and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
import zipfile

TRAIN_TARGETS = ("digits", "ring", "grid")
TOY_TARGETS = ("ring", "grid")
#: What Keras raises for a .keras archive it cannot read: a damaged zip, a missing or broken
#: config.json or weights file, a config that names unknown layers.
_UNREADABLE_MODEL_ERRORS = (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile)


class ForgerFileError(ValueError):
    """A file that `sample` cannot draw from; `main` prints it as one line on stderr and returns 1."""


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
    train.add_argument(
        "target", choices=TRAIN_TARGETS, help="what to learn: digits (chapter 04), ring or grid (chapter 06)"
    )
    train.add_argument("--out", type=pathlib.Path, required=True, help="folder for generator.keras and samples.png")
    train.add_argument("--seconds", type=_positive_float, help="wall-clock training budget (default 60 if no --epochs)")
    train.add_argument("--epochs", type=_positive_int, help="passes over the 4,000 training digits")
    train.add_argument("--seed", type=int, default=0, help="seed of the whole run (default 0)")
    train.add_argument(
        "--conditional", action="store_true", help="digits only: a forger told which digit to paint (chapter 08)"
    )
    train.add_argument("--recipe", help="ring/grid only: a toy recipe of chapter 06 (default: the best one)")
    train.add_argument("--steps", type=_positive_int, help="ring/grid only: training steps (default: the recipe's)")
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


def _train_and_save_forger(arguments, train, what: str):
    """Train a digits recipe (``train``) for the command's budget; save its float32 forger in ``--out``.

    Returns ``(gan, history, steps, seconds)``. Shared by ``train digits`` and ``train digits --conditional``.
    """
    from ganlib import recipes

    seconds = arguments.seconds if arguments.seconds or arguments.epochs else 60.0
    budget = f"{seconds:g} s" if seconds else f"{arguments.epochs} epochs"
    precision = recipes.resolve_precision(arguments.precision)
    print(f"training the {what} on the bundled digits for {budget} ({precision}, seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = train(seconds=seconds, epochs=arguments.epochs, seed=arguments.seed, precision=precision,
                         progress=True)
    elapsed = time.perf_counter() - started
    arguments.out.mkdir(parents=True, exist_ok=True)
    recipes.export_generator(gan).save(arguments.out / "generator.keras")
    return gan, history, int(gan.g_optimizer.iterations.numpy()), elapsed


def train_digits_command(arguments) -> dict:
    from ganlib import plots, recipes

    if arguments.conditional:
        return train_conditional_digits_command(arguments)
    gan, history, steps, elapsed = _train_and_save_forger(arguments, recipes.train_digits, "chapter-04 forger")
    out = arguments.out
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


def train_toy_command(arguments) -> dict:
    from ganlib import metrics, recipes

    recipe = arguments.recipe or recipes.BEST_TOY_RECIPE
    if recipe not in recipes.TOY_RECIPES:
        raise SystemExit(f"unknown recipe {recipe!r}; expected one of: {', '.join(sorted(recipes.TOY_RECIPES))}")
    if arguments.seconds or arguments.epochs:
        raise SystemExit("--seconds and --epochs are for digits; ring and grid train for --steps N")
    steps = arguments.steps or recipes.toy_settings(recipe)["steps"]
    print(f"training the chapter-06 recipe {recipe!r} on the {arguments.target} for {steps} steps "
          f"(seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = recipes.train_toy(arguments.target, recipe, steps=steps, seed=arguments.seed)
    elapsed = time.perf_counter() - started
    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    gan.generator.save(out / "generator.keras")
    points = gan.generate(2500, seed=arguments.seed)
    statistics = metrics.mode_statistics(points, arguments.target)
    _save_points(points, arguments.target, out / "samples.png",
                 f"{recipe}: {statistics['modes']}/{statistics['num_modes']} modes, "
                 f"{statistics['high_quality']:.1%} high quality")
    (out / "metrics.json").write_text(json.dumps(statistics, indent=2) + "\n")
    print("\nmode statistics of 2,500 samples (chapter 05):")
    for name, value in statistics.items():
        print(f"  {name:14s} {value:.4g}" if isinstance(value, float) else f"  {name:14s} {value}")
    print(f"\n{steps} steps in {elapsed:.1f} s")
    print(f"wrote {out / 'generator.keras'}, {out / 'samples.png'} and {out / 'metrics.json'}")
    last = {name: round(float(values[-1]), 4) for name, values in history.history.items()}
    return {"recipe": recipe, "steps": steps, "seconds": round(elapsed, 1), **last}


def _save_points(points, dataset: str, path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlib import plots, recipes

    figure, ax = plt.subplots(figsize=(5, 5))
    plots.show_points(recipes.sample_toy(dataset, 2500, seed=0), points, ax=ax, title=title)
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)


def train_conditional_digits_command(arguments) -> dict:
    import numpy as np

    from ganlib import metrics, plots, recipes

    gan, history, steps, elapsed = _train_and_save_forger(
        arguments, recipes.train_conditional_digits, "chapter-08 conditional forger"
    )
    out = arguments.out
    columns = 8
    grid = gan.generate(10 * columns, seed=arguments.seed, labels=(np.arange(10 * columns) // columns))
    plots.save_images(grid, out / "samples.png", num_columns=columns, title=f"rows: digits 0-9; {steps} steps")
    images, labels = recipes.commissioned_digits(gan, num_per_digit=100, seed=arguments.seed)
    agreement = recipes.commission_agreement(images, labels)
    quality = metrics.evaluate_digits(images, num_samples=len(images), seed=arguments.seed)
    (out / "metrics.json").write_text(json.dumps({**agreement, **quality}, indent=2) + "\n")
    print("\nthe digit classifier's verdict on 1,000 commissioned samples (100 per digit):")
    print("  digit      " + " ".join(f"{digit:>6d}" for digit in range(10)) + "     all")
    for name in ("recognized", "confident"):
        shares = " ".join(f"{share:6.1%}" for share in agreement[f"{name}_per_digit"])
        print(f"  {name:10s} {shares}  {agreement[name]:6.1%}")
    print("  (recognized: the most probable digit is the one asked for; confident: with probability > 0.9)")
    print("\nchapter 07's measures of the same samples:")
    for name, value in quality.items():
        print(f"  {name:20s} {value:.4g}" if isinstance(value, float) else f"  {name:20s} {value}")
    last = {name: round(float(values[-1]), 4) for name, values in history.history.items()}
    summary = {"conditional": True, "steps": steps, "seconds": round(elapsed, 1), "images_per_second": round(
        steps * recipes.CONDITIONAL_DIGITS_RECIPE["batch_size"] / elapsed), **last}
    print(f"\n{steps} steps in {elapsed:.1f} s; last epoch: " + ", ".join(f"{k} {v}" for k, v in last.items()))
    print(f"wrote {out / 'generator.keras'}, {out / 'samples.png'} and {out / 'metrics.json'}")
    return summary


def _shape(tensor) -> tuple:
    return tuple(tensor.shape)[1:]  # without the batch dimension


def load_forger(path: pathlib.Path):
    """The forger saved in ``path`` and its kind, ``"unconditional"`` or ``"conditional"``.

    A forger of digits takes latent vectors of shape ``(latent_dim,)`` (chapter 04), or latent
    vectors and integer labels with an ``Embedding`` that knows the labels (chapter 08), and
    paints grayscale images of shape ``(height, width, 1)``. Raises `ForgerFileError`, with what
    was expected and what the file holds, for anything else: a missing or damaged file, or a
    model of another kind (an expert, a classifier, a forger of 2-D points).
    """
    import keras

    if not path.is_file():
        raise ForgerFileError(f"expected a generator.keras file; got {path}, which "
                              + ("is a folder" if path.is_dir() else "does not exist"))
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ForgerFileError(f"expected a .keras archive (a zip file, as `train` writes); {path} is not one: "
                              "damaged, truncated or another kind of file")
    try:
        model = keras.models.load_model(path, compile=False)
    except _UNREADABLE_MODEL_ERRORS as error:
        reason = (str(error).strip().splitlines() or [""])[0]
        raise ForgerFileError(f"expected a Keras model in {path}; it cannot be loaded, the archive is damaged or "
                              f"not a model ({type(error).__name__}: {reason})") from error
    what = f"{path} is not a forger of digits:"
    shapes = [_shape(tensor) for tensor in model.inputs]
    if len(shapes) not in (1, 2):
        raise ForgerFileError(f"{what} a forger takes latent vectors (and, if conditional, labels); "
                              f"this model takes {len(shapes)} inputs of shapes {shapes}")
    if len(shapes[0]) != 1 or shapes[0][0] is None or "float" not in str(model.inputs[0].dtype):
        raise ForgerFileError(f"{what} a forger's first input is latent vectors, float of shape (latent_dim,); "
                              f"this model's is {model.inputs[0].dtype} of shape {shapes[0]} "
                              "(an expert or a classifier takes images)")
    kind = "unconditional"
    if len(shapes) == 2:
        kind = "conditional"
        labels = model.inputs[1]
        if shapes[1] not in ((), (1,)) or "int" not in str(labels.dtype):
            raise ForgerFileError(f"{what} a conditional forger's second input is integer labels of shape () per "
                                  f"sample; this model's is {labels.dtype} of shape {shapes[1]}")
        if not any(isinstance(layer, keras.layers.Embedding) for layer in model.layers):
            raise ForgerFileError(f"{what} a conditional forger has an Embedding layer that tells how many labels "
                                  "it knows; this model has none")
    outputs = [_shape(tensor) for tensor in model.outputs]
    if len(outputs) != 1 or len(outputs[0]) != 3 or outputs[0][-1] != 1:
        raise ForgerFileError(f"{what} a forger of digits paints grayscale images of shape (height, width, 1); "
                              f"this model's output{'s have' if len(outputs) > 1 else ' has'} shape "
                              f"{outputs[0] if len(outputs) == 1 else outputs}"
                              + (" (2-D points: a ring or grid forger of chapter 06)" if outputs == [(2,)] else ""))
    return model, kind


def _sample_conditional(generator, arguments) -> None:
    """A grid with one row per class label, ``n // num_classes`` samples each (at least one)."""
    import keras
    import numpy as np

    from ganlib import plots

    embedding = next(layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding))
    num_classes = embedding.input_dim
    columns = max(1, arguments.num_samples // num_classes)
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), columns)
    latent = keras.random.normal((len(labels), generator.input_shape[0][-1]), seed=arguments.seed)
    images = np.asarray(generator.predict([latent, labels], verbose=0))
    plots.save_images(images, arguments.out, num_columns=columns, title=f"rows: labels 0-{num_classes - 1}")
    print(f"wrote {len(labels)} samples ({columns} per label, one row each) to {arguments.out}")


def sample_command(arguments) -> None:
    import keras
    import numpy as np

    from ganlib import plots

    generator, kind = load_forger(arguments.generator)
    if kind == "conditional":  # [latent, labels]: a conditional forger (chapter 08)
        return _sample_conditional(generator, arguments)
    latent_dim = generator.input_shape[-1]
    latent = keras.random.normal((arguments.num_samples, latent_dim), seed=arguments.seed)
    images = np.asarray(generator.predict(latent, verbose=0))
    plots.save_images(images, arguments.out)
    print(f"wrote {arguments.num_samples} samples to {arguments.out}")


def main(argv=None) -> int:
    """Run one command; 0 on success, 1 (with one line on stderr) for a file `sample` cannot use."""
    arguments = build_parser().parse_args(argv)
    if arguments.command == "train" and arguments.conditional and arguments.target != "digits":
        raise SystemExit(f"--conditional is for digits only; got target {arguments.target!r}")
    if arguments.command == "train" and arguments.target == "digits" and (arguments.recipe or arguments.steps):
        raise SystemExit("--recipe and --steps are for ring and grid; digits train for --seconds or --epochs")
    if arguments.command == "train" and arguments.target in TOY_TARGETS:
        summary = train_toy_command(arguments)
        (arguments.out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    elif arguments.command == "train":
        summary = train_digits_command(arguments)
        (arguments.out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    else:
        try:
            sample_command(arguments)
        except ForgerFileError as error:
            print(f"python -m ganlib sample: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
