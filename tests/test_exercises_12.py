"""Chapter 12's exercises: the solutions pass, an empty gap is "not done yet", and the usual mistakes are named.

Exercise 12.3's check trains two games; here it measures with a fake, instant `expert_memory`, and the
solution's own function is tested apart with the training replaced (the solution notebook runs it for real).
"""

import numpy as np
import pytest
from exercise_harness import assert_check_contract, solved_names

from ganlib import exercises, paintings

_PALETTE = np.array(list(paintings.PALETTES["stripes"].values()))


def _stripes_rule(axis=1, tolerance=0.15, share=0.9, scale="colours", per_row=True):
    """A stripes rule with one usual mistake: columns (axis 0), no tolerance, 100 %, the wrong scale, whole painting.

    ``scale``: "colours" (right: both in [0, 1]), "none" (the painting's [-1, 1] values against [0, 1] colours),
    or "pixels" (the palette moved to [-1, 1]: every distance doubles)."""
    def stripes_ok(image):
        colours = {"colours": (image + 1.0) / 2.0, "none": image, "pixels": image}[scale]
        palette = _PALETTE * 2 - 1 if scale == "pixels" else _PALETTE
        distances = np.linalg.norm(colours[:, :, None, :] - palette, axis=-1)
        labels, nearest = distances.argmin(axis=-1), distances.min(axis=-1)
        if axis == 0:
            labels, nearest = labels.T, nearest.T
        counts = np.array([np.bincount(row, minlength=5).max() for row in labels])
        if not per_row:
            return bool(counts.sum() / labels.size >= share and np.mean(nearest <= tolerance) >= share)
        on_palette = (nearest <= tolerance).mean(axis=1)
        return bool(np.all(counts / labels.shape[1] >= share) and np.all(on_palette >= share))
    return stripes_ok


def _shares(counts, values):
    counts = np.asarray(counts)
    return np.array([np.mean(counts == value) for value in values])


def _tv_over(which, half=True, shares=True):
    """A total-variation distance with a usual mistake: values of one sample only, no 1/2, or raw counts."""
    def total_variation(counts_a, counts_b):
        values = {"a": np.unique(counts_a), "b": np.unique(counts_b), "both": np.union1d(counts_a, counts_b)}[which]
        if shares:
            difference = np.abs(_shares(counts_a, values) - _shares(counts_b, values)).sum()
        else:
            counts = [_shares(counts, values) * len(counts) for counts in (counts_a, counts_b)]
            difference = np.abs(counts[0] - counts[1]).sum()
        return (0.5 if half else 1.0) * difference
    return total_variation


def _auc_up_when_fewer(num_paintings):
    """A fake, instant `expert_memory`: 0.52 with the chapter's 8,000 paintings, 0.7 with 64 to 256, else 0.55."""
    if num_paintings == 8000:
        return 0.52
    return 0.7 if num_paintings <= 256 else 0.55


WRONG = {
    "12.1": [(_stripes_rule(axis=0), "your rule reads columns"),
             (_stripes_rule(tolerance=np.inf), "no pixel is on the palette"),
             (_stripes_rule(share=1.0), "not 100 %"),
             (_stripes_rule(scale="none"), "(image + 1) / 2"),
             (_stripes_rule(scale="pixels"), "0.09 from their palette colour"),
             (_stripes_rule(per_row=False), "*every* row"),
             (lambda image: 1, "return True or False")],
    "12.2": [(_tv_over("both", half=False), "twice the reference"),
             (_tv_over("both", shares=False), "raw counts were compared; with samples of different sizes"),
             (_tv_over("both", half=False, shares=False), "raw counts were compared, and not halved"),
             (_tv_over("a"), "only the values present in the first sample"),
             (_tv_over("b"), "only the values present in the second sample"),
             (lambda a, b: _tv_over("both")(a, b) * np.ones(3), "one number")],
    "12.3": [((8000, "higher", _auc_up_when_fewer), "at most 2000"),  # the setting was not changed
             ((32, "higher", _auc_up_when_fewer), "one batch of 64 at least"),
             ((64.5, "higher", _auc_up_when_fewer), "whole number"),
             ((True, "higher", _auc_up_when_fewer), "whole number"),
             ((64, "more", _auc_up_when_fewer), "one of"),
             ((64, "about the same", _auc_up_when_fewer), "you predicted 'about the same'"),
             ((64, "lower", _auc_up_when_fewer), "over and over"),
             ((2000, "higher", _auc_up_when_fewer), "not often enough to remember them"),
             ((64, "higher", lambda n: 0.52 if n == 8000 else 0.3), "chance in a short game"),
             ((64, "higher", lambda n: 52.0), "an AUC, from 0 to 1")],
}
ANSWERS = {"12.1": "stripes_ok", "12.2": "total_variation"}


@pytest.fixture(scope="module")
def solved():
    """The solution's names; its cells' own checks are skipped here (the 12.3 check would train two games)."""
    check = exercises.check
    exercises.check = lambda exercise_id, answer: None
    try:
        return solved_names("12")
    finally:
        exercises.check = check


def _answer(solved, exercise_id):
    if exercise_id == "12.3":  # the learner's setting and prediction, measured by the fake function
        return solved["num_paintings"], solved["prediction"], _auc_up_when_fewer
    return solved[ANSWERS[exercise_id]]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = (..., ..., _auc_up_when_fewer) if exercise_id == "12.3" else None
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)


def test_stripes_rule_agrees_with_ganlib_on_the_check_paintings():
    """The check's made-up paintings, judged by its reference, by ganlib's `stripes_rules` and by the solution."""
    from ganlib.exercises import chapter_12

    for name, image, expected, _ in chapter_12._stripes_cases():
        assert chapter_12._reference_stripes_ok(image) == paintings.stripes_rules(image)["stripes_ok"] == expected, name


def test_total_variation_reference_agrees_with_ganlib(solved):
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 30, 200), rng.integers(5, 40, 77)
    assert solved["total_variation"](a, b) == pytest.approx(paintings.total_variation(a, b))


def test_expert_memory_trains_the_recipe_for_the_same_steps(solved, monkeypatch):
    """12.3's measurement without training: the recipe on `num_paintings` paintings, about the same steps for both,
    and an AUC of 1 for an expert that scores exactly its training paintings higher."""
    from ganlib import gallery

    calls = []
    training = {}

    class Remembers:  # an expert that knows its training paintings
        def predict(self, images, verbose=0):
            known = {image.tobytes() for image in training["images"]}
            return np.array([[1.0 if image.tobytes() in known else 0.0] for image in images])

    class Game:
        discriminator = Remembers()

    def train_paintings(epochs=None, seed=0, num_paintings=8000, progress=True, **settings):
        calls.append({"epochs": epochs, "seed": seed, "num_paintings": num_paintings, **settings})
        training["images"] = gallery.training_paintings(("mondrian",), num_paintings, seed=seed)[0][:500]
        return Game(), None

    monkeypatch.setattr(gallery, "train_paintings", train_paintings)
    for num_paintings in (64, 8000, 300):
        assert solved["expert_memory"](num_paintings) == 1.0
    steps = [call["epochs"] * (call["num_paintings"] // 64) for call in calls]
    assert steps[0] == steps[1] == solved["num_steps"] and abs(steps[2] - solved["num_steps"]) < 4, steps
    assert [call["num_paintings"] for call in calls] == [64, 8000, 300] and {call["seed"] for call in calls} == {0}
