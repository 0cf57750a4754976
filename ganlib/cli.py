"""The command line: train the course's forgers and draw from them without opening a notebook.

    python -m ganlib train digits --out DIR [--seconds S] [--epochs N] [--seed K] [--precision P]
    python -m ganlib train conditional-digits --out DIR [--seconds S] [--epochs N] [--seed K] [--precision P]
    python -m ganlib train ring|grid --out DIR [--recipe NAME] [--steps N] [--seed K]
    python -m ganlib train paintings --out DIR [--seconds S] [--epochs N] [--styles mondrian,stripes] [--seed K]
    python -m ganlib sample DIR/generator.keras --out grid.png [-n 64] [--seed K]

Each target has its own flags, so argparse refuses a flag that does not apply to it (``--steps``
for digits, ``--seconds`` for the ring). Every ``train`` writes in ``DIR``: ``generator.keras`` (a float32
Keras model), ``samples.png``, ``metrics.json`` (the measures it also prints) and ``run.json``
(steps, seconds, the last epoch's metrics).

``train digits`` runs the chapter-04 recipe (`ganlib.recipes`) on the bundled digits with a
progress bar (default budget 60 s): the forger maps standard-normal latent vectors to images of
shape (28, 28, 1) in [-1, 1]; ``metrics.json`` holds chapter 07's measures of 1,000 samples.
Explained in chapter 04.

``train conditional-digits`` runs chapter 08's conditional recipe: the forger's inputs are
standard-normal latent vectors and integer digit labels; ``samples.png`` has one row per digit;
``metrics.json`` holds how often the bundled digit classifier recognizes the requested digit in
1,000 samples (100 per digit), per digit and overall, and chapter 07's measures. Beside the
forger, ``generator.json`` records its ``num_classes``, which ``sample`` reads (`save_forger`).

``train ring`` and ``train grid`` run a chapter-06 toy recipe (`ganlib.recipes.TOY_RECIPES`;
default: the best one on the benchmark, ``recipes.BEST_TOY_RECIPE``) on the ring of 8 or the grid
of 25 Gaussians for the recipe's steps (or ``--steps``): the forger paints 2-D points,
``samples.png`` is a scatter plot and ``metrics.json`` holds the mode statistics of 2,500 samples:
modes captured, share of high-quality samples, reverse KL. Explained in chapters 05 and 06.

``train paintings`` runs chapter 12's colour recipe (`ganlib.gallery`) on rule-made paintings
(`ganlib.paintings`; default: Mondrians, budget 150 s): ``samples.png`` is a grid of forgeries and
``metrics.json`` holds the exact rule checks of 500 of them against 1,000 real paintings the forger
never saw (palette share, share that obey the rules, total-variation distances of the counts,
copies of training paintings). With ``--styles mondrian,stripes`` the forger is told which style
to paint, each style is checked separately, and ``samples.png`` has one row per style.

``sample`` draws from a forger of digits or paintings, unconditional (chapter 04) or conditional (chapter 08,
one row per label). A file it cannot use (not a ``.keras`` archive, a damaged one, a model that is
no such forger: an expert, a classifier, a forger of 2-D points; a conditional forger without its
``generator.json``) gets one line on stderr that says why, and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
import zipfile

import keras
import numpy as np

from ganlib import checks, data, gallery, metrics, modes, paintings, plots, recipes, runtime

#: What Keras raises for a .keras archive it cannot read: a damaged zip, a missing or broken
#: config.json or weights file, a config that names unknown layers.
_UNREADABLE_MODEL_ERRORS = (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile)


class ForgerFileError(ValueError):
    """A file that `sample` cannot draw from; `main` prints it as one line on stderr and returns 1."""


# ------------------------------------------------------------------------------ the parser
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


def _toy_recipe(text: str) -> str:
    if text not in recipes.TOY_RECIPES:
        raise argparse.ArgumentTypeError(
            f"unknown recipe {text!r}; expected one of: {', '.join(sorted(recipes.TOY_RECIPES))}")
    return text


def _styles(text: str) -> tuple[str, ...]:
    styles = tuple(style.strip() for style in text.split(","))
    unknown = [style for style in styles if style not in paintings.STYLES]
    if unknown or len(set(styles)) != len(styles):
        raise argparse.ArgumentTypeError(
            f"expected distinct styles among {', '.join(paintings.STYLES)}, separated by commas; got {text!r}")
    return styles


def _flags(*groups: str) -> argparse.ArgumentParser:
    """A parent parser with the flags of ``groups``: ``"run"`` (all targets), ``"digits"`` or ``"toy"``."""
    flags = argparse.ArgumentParser(add_help=False)
    if "run" in groups:
        flags.add_argument("--out", type=pathlib.Path, required=True, help="folder for generator.keras and the rest")
        flags.add_argument("--seed", type=int, default=0, help="seed of the whole run (default 0)")
    if "digits" in groups or "paintings" in groups:
        default = 60 if "digits" in groups else gallery.DEFAULT_SECONDS
        flags.add_argument("--seconds", type=_positive_float,
                           help=f"wall-clock budget (default {default:g} if no --epochs)")
        flags.add_argument("--epochs", type=_positive_int,
                           help="passes over the 4,000 training digits" if "digits" in groups else
                           "passes over the training paintings")
        flags.add_argument("--precision", choices=runtime.PRECISIONS, default="auto",
                           help="auto: bfloat16 on CPUs with bf16 units, else float32")
    if "paintings" in groups:
        flags.add_argument("--styles", type=_styles, default=("mondrian",),
                           help="the style to forge, or several separated by commas for a conditional forger "
                                f"(among {', '.join(paintings.STYLES)}; default mondrian)")
    if "toy" in groups:
        flags.add_argument("--recipe", type=_toy_recipe, default=recipes.BEST_TOY_RECIPE,
                           help=f"a toy recipe of chapter 06: {', '.join(sorted(recipes.TOY_RECIPES))} "
                                "(default: the best one, %(default)s)")
        flags.add_argument("--steps", type=_positive_int, help="training steps (default: the recipe's)")
    return flags


def build_parser() -> argparse.ArgumentParser:
    """``python -m ganlib train TARGET ...`` and ``python -m ganlib sample FORGER ...``; ``run`` is the command."""
    parser = argparse.ArgumentParser(prog="python -m ganlib", description="Train and sample the course's forgers.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a forger and save it").add_subparsers(
        dest="target", required=True, metavar="TARGET")
    run, digits_flags, toy_flags = _flags("run"), _flags("digits"), _flags("toy")
    digits = train.add_parser("digits", parents=[run, digits_flags], help="the chapter-04 forger of digits")
    digits.set_defaults(run=train_digits_command)
    conditional = train.add_parser("conditional-digits", parents=[run, digits_flags],
                                   help="chapter 08's forger, told which digit to paint")
    conditional.set_defaults(run=train_conditional_digits_command)
    for dataset in data.TOY_DATASETS:
        toy = train.add_parser(dataset, parents=[run, toy_flags], help=f"a chapter-06 forger of the {dataset}")
        toy.set_defaults(run=train_toy_command)
    painting = train.add_parser("paintings", parents=[run, _flags("paintings")],
                                help="chapter 12's forger of rule-made paintings")
    painting.set_defaults(run=train_paintings_command)

    sample = commands.add_parser("sample", help="draw a grid of samples from a saved forger of digits or paintings")
    sample.add_argument("generator", type=pathlib.Path, help="a generator.keras file")
    sample.add_argument("--out", type=pathlib.Path, required=True, help="PNG file to write")
    sample.add_argument("-n", "--num-samples", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.set_defaults(run=sample_command)
    return parser


# ------------------------------------------------------------------------------ train
def save_forger(generator: keras.Model, path, num_classes: int | None = None) -> None:
    """Save a forger as ``path`` (a ``.keras`` file) for ``python -m ganlib sample``.

    A conditional forger (chapter 08) also gets its class count recorded beside it, in ``path``
    with the suffix ``.json`` (``{"num_classes": 10}``): `load_forger` reads the count from there.
    """
    path = pathlib.Path(path)
    generator.save(path)
    if num_classes is not None:
        record = {"num_classes": checks.check_num_classes(num_classes)}
        path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")


def _train_digits_recipe(arguments, train, what: str):
    """Train a digits recipe (``train``) for the command's budget; save its float32 forger in ``--out``.

    Returns ``(gan, history, steps, seconds)``. Shared by ``train digits`` (chapter 04) and
    ``train conditional-digits`` (chapter 08).
    """
    seconds = arguments.seconds if arguments.seconds or arguments.epochs else 60.0
    budget = f"{seconds:g} s" if seconds else f"{arguments.epochs} epochs"
    precision = runtime.resolve_precision(arguments.precision)
    print(f"training the {what} on the bundled digits for {budget} ({precision}, seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = train(seconds=seconds, epochs=arguments.epochs, seed=arguments.seed, precision=precision,
                         progress=True)
    elapsed = time.perf_counter() - started
    arguments.out.mkdir(parents=True, exist_ok=True)
    num_classes = None if gan.self_conditioned else gan.num_classes  # a self-conditioned forger takes latents only
    save_forger(recipes.export_generator(gan), arguments.out / "generator.keras", num_classes=num_classes)
    return gan, history, int(gan.g_optimizer.iterations.numpy()), elapsed


def _report(out, heading: str, measures: dict, history, steps: int, elapsed: float, saved: dict | None = None,
            **facts) -> dict:
    """Print ``measures`` under ``heading`` and the run's last epoch; write ``metrics.json`` and ``run.json``.

    The end of every ``train`` command: ``metrics.json`` holds ``saved`` if given, else ``measures``;
    ``run.json`` (returned) holds ``facts``, steps, seconds and the last epoch's metrics.
    """
    (out / "metrics.json").write_text(json.dumps(measures if saved is None else saved, indent=2) + "\n")
    print(f"\n{heading}:")
    width = max(map(len, measures))
    for name, value in measures.items():
        print(f"  {name:{width}s} {value:.4g}" if isinstance(value, float) else f"  {name:{width}s} {value}")
    last = {name: round(float(values[-1]), 4) for name, values in history.history.items()}
    print(f"\n{steps} steps in {elapsed:.1f} s; last epoch: " + ", ".join(f"{k} {v}" for k, v in last.items()))
    summary = {**facts, "steps": steps, "seconds": round(elapsed, 1), **last}
    (out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {out / 'generator.keras'}, {out / 'samples.png'}, {out / 'metrics.json'} and {out / 'run.json'}")
    return summary


def train_digits_command(arguments) -> dict:
    """``train digits``: chapter 04's recipe, judged with chapter 07's measures."""
    gan, history, steps, elapsed = _train_digits_recipe(arguments, recipes.train_digits, "chapter-04 forger")
    images = gan.generate(64, seed=arguments.seed)
    plots.save_images(images, arguments.out / "samples.png", title=f"{steps} steps, {elapsed:.0f} s")
    quality = metrics.evaluate_digits(gan, num_samples=1000, seed=arguments.seed)
    return _report(arguments.out, "quality of 1,000 samples against the held-out digits (chapter 07)", quality,
                   history, steps, elapsed,
                   images_per_second=round(steps * recipes.DIGITS_RECIPE["batch_size"] / elapsed))


def _print_agreement(agreement: dict) -> None:
    print("\nthe digit classifier's verdict on 1,000 commissioned samples (100 per digit):")
    print("  digit      " + " ".join(f"{digit:>6d}" for digit in range(10)) + "     all")
    for name in ("recognized", "confident"):
        shares = " ".join(f"{share:6.1%}" for share in agreement[f"{name}_per_digit"])
        print(f"  {name:10s} {shares}  {agreement[name]:6.1%}")
    print("  (recognized: the most probable digit is the one asked for; confident: with probability > 0.9)")


def train_conditional_digits_command(arguments) -> dict:
    """``train conditional-digits``: chapter 08's recipe, judged by the digit classifier and chapter 07's measures."""
    gan, history, steps, elapsed = _train_digits_recipe(
        arguments, recipes.train_conditional_digits, "chapter-08 conditional forger"
    )
    columns = 8
    grid = gan.generate(10 * columns, seed=arguments.seed, labels=(np.arange(10 * columns) // columns))
    plots.save_images(grid, arguments.out / "samples.png", num_columns=columns,
                      title=f"rows: digits 0-9; {steps} steps")
    images, labels = recipes.commissioned_digits(gan, num_per_digit=100, seed=arguments.seed)
    agreement = recipes.commission_agreement(images, labels)
    quality = metrics.evaluate_digits(images, num_samples=len(images), seed=arguments.seed)
    _print_agreement(agreement)
    return _report(arguments.out, "chapter 07's measures of the same samples", quality, history, steps, elapsed,
                   saved={**agreement, **quality}, conditional=True,
                   images_per_second=round(steps * recipes.CONDITIONAL_DIGITS_RECIPE["batch_size"] / elapsed))


def _save_points(points, dataset: str, path, title: str) -> None:
    """A scatter plot of forged points over 2,500 real ones (chapter 05)."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(5, 5))
    plots.show_points(recipes.sample_toy(dataset, 2500, seed=0), points, ax=ax, title=title)
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)


def train_toy_command(arguments) -> dict:
    """``train ring|grid``: a chapter-06 recipe, judged with chapter 05's mode statistics."""
    recipe, dataset = arguments.recipe, arguments.target
    steps = arguments.steps or recipes.toy_settings(recipe)["steps"]
    print(f"training the chapter-06 recipe {recipe!r} on the {dataset} for {steps} steps (seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = recipes.train_toy(dataset, recipe, steps=steps, seed=arguments.seed)
    elapsed = time.perf_counter() - started
    arguments.out.mkdir(parents=True, exist_ok=True)
    save_forger(gan.generator, arguments.out / "generator.keras")
    points = gan.generate(2500, seed=arguments.seed)
    statistics = modes.mode_statistics(points, dataset)
    _save_points(points, dataset, arguments.out / "samples.png",
                 f"{recipe}: {statistics['modes']}/{statistics['num_modes']} modes, "
                 f"{statistics['high_quality']:.1%} high quality")
    return _report(arguments.out, "mode statistics of 2,500 samples (chapter 05)", statistics, history, steps,
                   elapsed, recipe=recipe)


def train_paintings_command(arguments) -> dict:
    """``train paintings``: chapter 12's recipe, judged by the paintings' exact rules."""
    seconds = arguments.seconds if arguments.seconds or arguments.epochs else gallery.DEFAULT_SECONDS
    budget = f"{seconds:g} s" if seconds else f"{arguments.epochs} epochs"
    styles = arguments.styles
    precision = runtime.resolve_precision(arguments.precision)
    print(f"training the chapter-12 forger on {' and '.join(styles)} paintings for {budget} "
          f"({precision}, seed {arguments.seed})")
    started = time.perf_counter()
    gan, history = gallery.train_paintings(seconds=seconds, epochs=arguments.epochs, seed=arguments.seed,
                                           styles=styles, precision=precision, progress=True)
    elapsed = time.perf_counter() - started
    arguments.out.mkdir(parents=True, exist_ok=True)
    save_forger(recipes.export_generator(gan), arguments.out / "generator.keras", num_classes=gan.num_classes)
    steps = int(gan.g_optimizer.iterations.numpy())
    checks_by_style = gallery.judge_forger(gan, styles, seed=arguments.seed)
    columns = 8
    labels = None if len(styles) == 1 else np.arange(len(styles) * columns) // columns
    grid = gan.generate(len(styles) * columns if labels is not None else 64, seed=arguments.seed, labels=labels)
    plots.save_images(grid, arguments.out / "samples.png", num_columns=columns,
                      title=f"{steps} steps" + ("" if labels is None else "; rows: " + ", ".join(styles)))
    measures = {f"{style} {name}": value for style, result in checks_by_style.items() for name, value in result.items()}
    return _report(arguments.out, "rule checks of 500 forgeries per style against 1,000 unseen paintings (chapter 12)",
                   measures, history, steps, elapsed, saved=checks_by_style, styles=list(styles),
                   images_per_second=round(steps * gallery.PAINTINGS_RECIPE["batch_size"] / elapsed))


# ------------------------------------------------------------------------------ sample
def _read_model(path: pathlib.Path) -> keras.Model:
    """The Keras model saved in ``path``; `ForgerFileError` for a missing, damaged or foreign file."""
    if not path.is_file():
        raise ForgerFileError(f"expected a generator.keras file; got {path}, which "
                              + ("is a folder" if path.is_dir() else "does not exist"))
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ForgerFileError(f"expected a .keras archive (a zip file, as `train` writes); {path} is not one: "
                              "damaged, truncated or another kind of file")
    try:
        return keras.models.load_model(path, compile=False)
    except _UNREADABLE_MODEL_ERRORS as error:
        reason = (str(error).strip().splitlines() or [""])[0]
        raise ForgerFileError(f"expected a Keras model in {path}; it cannot be loaded, the archive is damaged or "
                              f"not a model ({type(error).__name__}: {reason})") from error


def _shape(tensor) -> tuple:
    return tuple(tensor.shape)[1:]  # without the batch dimension


def _check_forger(model: keras.Model, path: pathlib.Path) -> bool:
    """True for a conditional forger of digits or paintings, False for an unconditional one; else `ForgerFileError`."""
    what = f"{path} is not a forger of images:"
    shapes = [_shape(tensor) for tensor in model.inputs]
    if len(shapes) not in (1, 2):
        raise ForgerFileError(f"{what} a forger takes latent vectors (and, if conditional, labels); "
                              f"this model takes {len(shapes)} inputs of shapes {shapes}")
    if len(shapes[0]) != 1 or shapes[0][0] is None or "float" not in str(model.inputs[0].dtype):
        raise ForgerFileError(f"{what} a forger's first input is latent vectors, float of shape (latent_dim,); "
                              f"this model's is {model.inputs[0].dtype} of shape {shapes[0]} "
                              "(an expert or a classifier takes images)")
    if len(shapes) == 2:
        labels = model.inputs[1]
        if shapes[1] not in ((), (1,)) or "int" not in str(labels.dtype):
            raise ForgerFileError(f"{what} a conditional forger's second input is integer labels of shape () per "
                                  f"sample; this model's is {labels.dtype} of shape {shapes[1]}")
        if not any(isinstance(layer, keras.layers.Embedding) for layer in model.layers):
            raise ForgerFileError(f"{what} a conditional forger embeds its labels with an Embedding layer "
                                  "(chapter 08); this model has none")
    outputs = [_shape(tensor) for tensor in model.outputs]
    if len(outputs) != 1 or len(outputs[0]) != 3 or outputs[0][-1] not in (1, 3):
        raise ForgerFileError(f"{what} a forger paints grayscale images of shape (height, width, 1) or colour "
                              "ones of shape (height, width, 3); "
                              f"this model's output{'s have' if len(outputs) > 1 else ' has'} shape "
                              f"{outputs[0] if len(outputs) == 1 else outputs}"
                              + (" (2-D points: a ring or grid forger of chapter 06)" if outputs == [(2,)] else ""))
    return len(shapes) == 2


def _recorded_num_classes(path: pathlib.Path) -> int:
    """The class count that `save_forger` recorded beside the conditional forger ``path``."""
    record = path.with_suffix(".json")
    fix = (f"to fix it, write {{\"num_classes\": K}} (the labels it knows are 0..K-1) to {record}, or save the "
           "forger with ganlib.cli.save_forger(generator, path, num_classes=K), as `train conditional-digits` does")
    if not record.is_file():
        raise ForgerFileError(f"{path} is a conditional forger: expected {record} beside it, recording how many "
                              f"labels it knows; got no such file ({fix})")
    try:
        return checks.check_num_classes(json.loads(record.read_text())["num_classes"])
    except (ValueError, KeyError, TypeError) as error:
        raise ForgerFileError(f"expected {record} to hold {{\"num_classes\": K}} with an integer K >= 2; got "
                              f"{record.read_text().strip()[:80]!r} ({fix})") from error


def load_forger(path: pathlib.Path):
    """The forger of images saved in ``path`` and its class count (``None`` if unconditional).

    A forger of images takes latent vectors of shape ``(latent_dim,)`` (chapter 04), or latent
    vectors and integer labels that an ``Embedding`` layer takes in (chapter 08), and paints
    grayscale images of shape ``(height, width, 1)`` (digits) or colour ones ``(height, width, 3)``
    (chapter 12's paintings). A conditional forger's class count is the
    one `save_forger` recorded beside it. Raises `ForgerFileError`, with what was expected and
    what the file holds, for anything else: a missing or damaged file, a conditional forger
    without its record, or a model of another kind (an expert, a classifier, a forger of 2-D points).
    """
    model = _read_model(path)
    return model, (_recorded_num_classes(path) if _check_forger(model, path) else None)


def sample_command(arguments) -> None:
    """``sample``: a grid of samples; for a conditional forger one row per label, ``n // num_classes`` each."""
    generator, num_classes = load_forger(arguments.generator)
    latent_dim = generator.inputs[0].shape[-1]
    if num_classes is None:
        latent = keras.random.normal((arguments.num_samples, latent_dim), seed=arguments.seed)
        plots.save_images(np.asarray(generator.predict(latent, verbose=0)), arguments.out)
        print(f"wrote {arguments.num_samples} samples to {arguments.out}")
        return
    columns = max(1, arguments.num_samples // num_classes)
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), columns)
    latent = keras.random.normal((len(labels), latent_dim), seed=arguments.seed)
    images = np.asarray(generator.predict([latent, labels], verbose=0))
    plots.save_images(images, arguments.out, num_columns=columns, title=f"rows: labels 0-{num_classes - 1}")
    print(f"wrote {len(labels)} samples ({columns} per label, one row each) to {arguments.out}")


def main(argv=None) -> int:
    """Run one command; 0 on success, 1 (with one line on stderr) for a file `sample` cannot use."""
    arguments = build_parser().parse_args(argv)
    try:
        arguments.run(arguments)
    except ForgerFileError as error:
        print(f"python -m ganlib sample: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
