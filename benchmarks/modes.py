"""Benchmark of chapter 06's fixes on the mode-collapse benchmarks of VEEGAN and PacGAN.

    python benchmarks/modes.py                       # every toy recipe, ring and grid, 3 seeds
    python benchmarks/modes.py --recipes plain,packed --datasets ring --seeds 2 --steps 1000
    python benchmarks/modes.py --recipes averaged --merge   # rerun one recipe, keep the others' runs
    python benchmarks/modes.py --jobs 2              # two runs at a time, one CPU thread each

Protocol (Srivastava et al. 2017, Lin et al. 2018): the ring of 8 and the grid of 25
Gaussians of ``ganlib.data``; after training, 2,500 samples from the forger; a sample is of
high quality when it lies within 3 standard deviations of its nearest mode; a mode is
captured when at least one high-quality sample falls to it; reverse KL of the histogram of
high-quality samples over the modes against uniform (`ganlib.modes.mode_statistics`).

Each recipe of ``ganlib.recipes.TOY_RECIPES`` is trained on each data set with each seed
(seeds 0, 1, 2, ...); the table gives the mean, the lowest and the highest value over seeds
(a standard deviation of three values says little, and ± bars would cross 0 % and 100 %), with
PacGAN's published rows (their Table 1) beside it for context. The results go to
``benchmarks/results/modes.json``, which chapter 06 loads. Training is by step counts, so a
run gives the same numbers on the same machine and software; times vary with the load.

The file records the settings of every recipe and the fingerprint of this script and of the
ganlib modules it imports (`ganlib.provenance`); each run records it too. Chapter 06 refuses a
file whose settings or fingerprint differ from today's code, and ``--merge`` refuses to keep runs
that other code made.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from ganlib import data, modes, provenance, recipes  # noqa: E402

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "modes.json"
PRODUCER = pathlib.Path(__file__).resolve()
NUM_SAMPLES = 2500

#: PacGAN (Lin et al. 2018), Table 1: (modes, % high quality, reverse KL), for context.
PUBLISHED = [
    {"source": "PacGAN Table 1", "variant": "GAN", "dataset": "ring", "modes": 6.3, "high_quality": 0.982,
     "reverse_kl": 0.45},
    {"source": "PacGAN Table 1", "variant": "GAN", "dataset": "grid", "modes": 17.3, "high_quality": 0.948,
     "reverse_kl": 0.70},
    {"source": "PacGAN Table 1", "variant": "PacGAN4", "dataset": "ring", "modes": 7.8, "high_quality": 0.959,
     "reverse_kl": 0.07},
    {"source": "PacGAN Table 1", "variant": "PacGAN4", "dataset": "grid", "modes": 24.8, "high_quality": 0.936,
     "reverse_kl": 0.04},
]


def run_one(recipe: str, dataset: str, seed: int, steps: int | None) -> dict:
    started = time.perf_counter()
    gan, _ = recipes.train_toy(dataset, recipe, steps=steps, seed=seed)
    seconds = time.perf_counter() - started
    statistics = modes.mode_statistics(gan.generate(NUM_SAMPLES, seed=1000 + seed), dataset)
    return {"recipe": recipe, "dataset": dataset, "seed": seed, "steps": int(gan.g_optimizer.iterations.numpy()),
            "seconds": round(seconds, 1), **statistics,
            "fingerprint": provenance.digest(provenance.producer_fingerprint(PRODUCER))}


def run_in_child(recipe: str, dataset: str, seed: int, steps: int | None) -> dict:
    """`run_one` in a fresh process limited to one CPU thread (``--jobs``): N of them share N cores."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", recipe, dataset, str(seed), "recipe" if steps is None else str(steps)],
        capture_output=True, text=True, timeout=3600,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{recipe} on {dataset}, seed {seed} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict]) -> list[dict]:
    """Each (recipe, data set)'s values over seeds: per seed (in seed order), mean, lowest and highest."""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        groups.setdefault((run["recipe"], run["dataset"]), []).append(run)
    rows = []
    for (recipe, dataset), group in groups.items():
        row = {"recipe": recipe, "dataset": dataset, "seeds": len(group), "steps": group[0]["steps"]}
        group = sorted(group, key=lambda run: run["seed"])
        for key in ("modes", "high_quality", "reverse_kl", "seconds"):
            values = np.array([run[key] for run in group], dtype=np.float64)
            row[key], row[key + "_min"], row[key + "_max"] = float(values.mean()), float(values.min()), float(
                values.max())
            row[key + "_per_seed"] = [run[key] for run in group]
        rows.append(row)
    return rows


def beats_pacgan4(rows: list[dict]) -> list[str]:
    """The recipes whose means beat PacGAN4's published row on both data sets (and the brief's bars)."""
    bars = {"ring": {"modes": 8.0}, "grid": {"modes": 24.8}}
    winners = []
    for recipe in dict.fromkeys(row["recipe"] for row in rows):
        mine = {row["dataset"]: row for row in rows if row["recipe"] == recipe}
        if set(mine) != {"ring", "grid"}:
            continue
        if all(mine[d]["modes"] >= bars[d]["modes"] and mine[d]["high_quality"] >= 0.95
               and mine[d]["reverse_kl"] <= 0.03 for d in ("ring", "grid")):
            winners.append(recipe)
    return winners


def format_table(rows: list[dict]) -> str:
    lines = [f"{'variant':34s} {'data':5s} {'seeds':>5s} {'steps':>6s} {'modes: mean (min-max)':>22s} "
             f"{'high quality':>22s} {'reverse KL':>22s} {'s/run':>6s}"]
    for dataset in data.TOY_DATASETS:
        for row in (r for r in rows if r["dataset"] == dataset):
            lines.append(
                f"{row['recipe']:34s} {dataset:5s} {row['seeds']:5d} {row['steps']:6d} "
                f"{row['modes']:8.1f} ({row['modes_min']:2.0f}-{row['modes_max']:2.0f})       "
                f"{row['high_quality']:7.1%} ({row['high_quality_min']:4.0%}-{row['high_quality_max']:4.0%}) "
                f"{row['reverse_kl']:8.3f} ({row['reverse_kl_min']:.3f}-{row['reverse_kl_max']:.3f}) "
                f"{row['seconds']:6.0f}"
            )
        for row in (r for r in PUBLISHED if r["dataset"] == dataset):
            lines.append(
                f"{'[published] ' + row['variant'] + ' (PacGAN)':34s} {dataset:5s} {'':5s} {'':6s} "
                f"{row['modes']:8.1f}{'':14s}{row['high_quality']:7.1%}{'':13s}{row['reverse_kl']:8.3f}"
            )
    return "\n".join(lines)


def sort_runs(runs: list[dict]) -> list[dict]:
    order = {name: index for index, name in enumerate(recipes.TOY_RECIPES)}
    return sorted(runs, key=lambda run: (order.get(run["recipe"], len(order)), run["dataset"] != "ring", run["seed"]))


def settings_of(runs: list[dict]) -> dict:
    """Each recipe's settings as its runs used them (``--steps`` replaces the recipe's own steps)."""
    settings = {}
    for run in runs:
        settings[run["recipe"]] = {**recipes.toy_settings(run["recipe"]), "steps": run["steps"]}
    return settings


def write_results(path: pathlib.Path, runs: list[dict], commands: list[str], minutes: float, argv) -> dict:
    runs = sort_runs(runs)
    rows = summarize(runs)
    results = {
        "protocol": "VEEGAN/PacGAN: 2,500 samples; high quality within 3 std of the nearest mode; a mode is captured "
                    "by >= 1 high-quality sample; reverse KL(histogram of high-quality samples || uniform)",
        "commands": commands + [" ".join(["python benchmarks/modes.py", *(sys.argv[1:] if argv is None else argv)])],
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}",
        "total_minutes": round(minutes, 1),
        "fingerprint": provenance.producer_fingerprint(PRODUCER),
        "settings": settings_of(runs),
        "runs": runs,
        "summary": rows,
        "published": PUBLISHED,
        "beats_pacgan4": beats_pacgan4(rows),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", default=",".join(recipes.TOY_RECIPES), help="comma-separated toy recipes")
    parser.add_argument("--datasets", default=",".join(data.TOY_DATASETS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--steps", type=int, default=None, help="override every recipe's steps")
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS)
    parser.add_argument("--merge", action="store_true",
                        help="keep the other recipes' runs already in --out and replace only these recipes'")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time; above 1, each run is a process of its own with one CPU thread")
    parser.add_argument("--child", nargs=4, metavar=("RECIPE", "DATASET", "SEED", "STEPS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        recipe, dataset, seed, steps = arguments.child
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        print(json.dumps(run_one(recipe, dataset, int(seed), None if steps == "recipe" else int(steps))))
        return {}
    if arguments.jobs < 1:
        raise SystemExit(f"--jobs must be at least 1; got {arguments.jobs}")
    names = [name for name in arguments.recipes.split(",") if name]
    datasets = [name for name in arguments.datasets.split(",") if name]
    for name in names:
        recipes.toy_settings(name)  # unknown names fail before any training
    for dataset in datasets:
        recipes.sample_toy(dataset, 1)
    started = time.perf_counter()
    runs, commands, previous_minutes = [], [], 0.0
    if arguments.merge and arguments.out.exists():
        previous = json.loads(arguments.out.read_text())
        runs = [run for run in previous["runs"] if run["recipe"] not in names]
        today = provenance.digest(provenance.producer_fingerprint(PRODUCER))
        kept_settings = json.loads(json.dumps(settings_of(runs)))
        made_elsewhere = sorted({run["recipe"] for run in runs if run.get("fingerprint") != today
                                 or previous.get("settings", {}).get(run["recipe"]) != kept_settings[run["recipe"]]})
        if made_elsewhere:
            raise SystemExit(f"--merge: the runs of {made_elsewhere} in {arguments.out} were made by other code or "
                             f"settings than today's; expected none. Run them again too: --recipes "
                             f"{','.join(names + made_elsewhere)}")
        commands, previous_minutes = previous["commands"], previous["total_minutes"]
    jobs = [(name, dataset, seed) for name in names for dataset in datasets for seed in range(arguments.seeds)]
    if arguments.jobs == 1:
        finished = (run_one(*job, arguments.steps) for job in jobs)
    else:
        pool = concurrent.futures.ThreadPoolExecutor(arguments.jobs)  # each thread waits on one child process
        finished = pool.map(lambda job: run_in_child(*job, arguments.steps), jobs)
    for run in finished:
        runs.append(run)
        print(f"{run['recipe']:34s} {run['dataset']:5s} seed {run['seed']}: "
              f"{run['modes']:2d}/{run['num_modes']} modes, {run['high_quality']:6.1%} high quality, "
              f"reverse KL {run['reverse_kl']:.3f} "
              f"({run['steps']} steps, {run['seconds']:.0f} s)", flush=True)
        # written after every run, so an interrupted benchmark keeps what it measured (see --merge)
        write_results(arguments.out, runs, commands, previous_minutes + (time.perf_counter() - started) / 60, argv)
    rows = summarize(sort_runs(runs))
    print("\n" + format_table(rows))
    winners = beats_pacgan4(rows)
    print("\nrecipes that beat PacGAN4's row on both data sets (8/8 and >= 24.8/25 modes, >= 95 % high quality, "
          f"reverse KL <= 0.03): {', '.join(winners) if winners else 'none'}")
    total = previous_minutes + (time.perf_counter() - started) / 60
    print(f"total {total:.1f} min")
    results = write_results(arguments.out, runs, commands, total, argv)
    print(f"wrote {arguments.out}")
    return results


if __name__ == "__main__":
    main()
