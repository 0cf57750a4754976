"""Checks for the exercises of chapter 12: the gallery.

12.1 and 12.2 compare with references written here in NumPy (the stripes rule, the total-variation
distance), not with `ganlib.paintings`; the made-up paintings 12.1 feeds the learner's rule come from the
course's painter, `ganlib.paintings.paint`, whose palette is the data's own. Exercise 12.3 trains two short
games of the chapter's recipe.
"""

from __future__ import annotations

import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, experiment, numbers, whole_number

#: The stripes palette (RGB in [0, 1]), written out again for the reference: crimson, orange, ochre, teal, plum.
_STRIPES_PALETTE = np.array([(0.62, 0.08, 0.16), (0.94, 0.52, 0.16), (0.86, 0.72, 0.32), (0.10, 0.47, 0.50),
                             (0.33, 0.16, 0.36)])
_TOLERANCE, _SHARE = 0.15, 0.9


def _reference_stripes_ok(image: np.ndarray) -> bool:
    colours = (np.asarray(image, np.float64) + 1.0) / 2.0
    distances = np.sqrt(((colours[:, :, None, :] - _STRIPES_PALETTE) ** 2).sum(axis=-1))
    labels, nearest = distances.argmin(axis=-1), distances.min(axis=-1)
    one_colour = np.array([np.bincount(row, minlength=len(_STRIPES_PALETTE)).max() for row in labels]) / labels.shape[1]
    on_palette = (nearest <= _TOLERANCE).mean(axis=1)
    return bool(np.all(one_colour >= _SHARE) and np.all(on_palette >= _SHARE))


_REAL_HINT = ("each of its rows is exactly one palette colour. Measure distances on colours in [0, 1]: turn the "
              "painting's [-1, 1] values into colours with (image + 1) / 2 first")


def _stripes_cases() -> list[tuple[str, np.ndarray, bool, str]]:
    """(name, painting, whether it obeys the rule, the hint when the answer differs), most telling first."""
    from ganlib import paintings  # the painter's own paintings and palette: the data, not the answer

    real, designs = paintings.paint(6, "stripes", seed=12, with_designs=True)
    first = real[0]
    rng = np.random.default_rng(12)
    palette = np.asarray(list(paintings.PALETTES["stripes"].values()), np.float32) * 2 - 1

    stepped = first.copy()  # the first boundary moves 3 rows down, but only across the right half of the canvas
    rows = np.flatnonzero(np.any(np.diff(first, axis=0) != 0, axis=-1)[:, 0])
    edge = int(rows[0]) + 1  # the first row of the second stripe
    stepped[edge : edge + 3, 16:] = first[edge - 1, 0]

    stray = first.copy()  # two pixels of each row painted in another palette colour: 94 % of the row is one colour
    for row in range(stray.shape[0]):
        columns = rng.choice(stray.shape[1], size=2, replace=False)
        colour = next(c for c in palette if not np.allclose(c, first[row, 0]))
        stray[row, columns] = colour

    speckled = first.copy()  # two pixels of each row off the palette: 94 % of the row is on it
    for row in range(speckled.shape[0]):
        speckled[row, rng.choice(speckled.shape[1], size=2, replace=False)] = 0.0  # mid grey, far from every colour

    faint = np.clip(first + np.float32(2 * 0.05), -1, 1)  # every channel 0.05 lighter: 0.09 from the palette
    strong = np.clip(first + np.float32(2 * 0.12), -1, 1)  # every channel 0.12 lighter: 0.2 from the palette
    mondrian = paintings.paint(1, "mondrian", seed=12)[0]
    noise = rng.uniform(-1, 1, first.shape).astype(np.float32)
    return [
        ("a real stripes painting", first, True, _REAL_HINT),
        (f"another real one ({designs[1]['stripes']} stripes)", real[1], True, _REAL_HINT),
        ("a real painting turned on its side (vertical stripes)", np.swapaxes(first, 0, 1), False,
         "each of its *rows* holds several colours; the rule reads rows (axis 1 of a (height, width) array), "
         "not columns"),
        ("a real painting with two pixels of each row in another palette colour", stray, True,
         "94 % of each row is one colour, and the rule asks for at least 90 %, not 100 %"),
        ("a real painting with two grey pixels in each row", speckled, True,
         "94 % of each row is on the palette, and the rule asks for at least 90 %, not 100 %"),
        ("a real painting made 0.05 lighter in every channel", faint, True,
         "its pixels are 0.09 from their palette colour, within 0.15. Distances are measured on colours in "
         "[0, 1]: turn the painting's [-1, 1] values into colours with (image + 1) / 2 first"),
        ("a real painting made 0.12 lighter in every channel", strong, False,
         "every pixel still snaps to the right colour, but 0.2 away from it: no pixel is on the palette. "
         "Count a row's pixels within 0.15 of their nearest colour, and ask for 90 % of them"),
        ("a real painting whose first boundary steps down 3 rows halfway across", stepped, False,
         "3 of its rows are half one colour, half another; over the whole painting 95 % of the pixels match "
         "their row's colour, but the rule asks it of *every* row"),
        ("a Mondrian", mondrian, False, "its white and black are far from the stripes palette"),
        ("uniform noise", noise, False, "its rows are many colours, most of them off the palette"),
    ]


@exercise("12.1", "the stripes rule: every row 90 % one palette colour and 90 % on the palette")
def _check_stripes_ok(stripes_ok) -> str:
    cases = _stripes_cases()
    for name, image, expected, _ in cases:
        if _reference_stripes_ok(image) != expected:  # the made-up paintings are what they claim to be
            raise RuntimeError(f"exercise 12.1's reference is broken on {name}")
    answers = []
    for name, image, _, _ in cases:
        got = call(stripes_ok, image.copy())
        if not isinstance(got, (bool, np.bool_)):
            raise WrongAnswer(f"return True or False; got {got!r} ({type(got).__name__}) for {name}")
        answers.append(bool(got))
    wrong = [(name, expected, hint) for (name, _, expected, hint), got in zip(cases, answers) if got != expected]
    if wrong:
        if not answers[0] and answers[2]:
            raise WrongAnswer("you said a real painting breaks the rule and the same painting on its side obeys it: "
                              "your rule reads columns. A row of a (height, width) array is image[i]: take the "
                              "shares along axis 1")
        name, expected, hint = wrong[0]
        raise WrongAnswer(f"for {name} you said {not expected}, but it {'obeys' if expected else 'breaks'} the "
                          f"rule: {hint}")
    return f"{len(cases)} paintings judged right: real stripes pass, bent, turned, off-palette and foreign ones fail"


def _shares(counts: np.ndarray, length: int) -> np.ndarray:
    return np.bincount(counts, minlength=length) / counts.size


@exercise("12.2", "the total-variation distance between the distributions of two samples of counts")
def _check_total_variation(total_variation) -> str:
    rng = np.random.default_rng(122)
    counts_a = rng.choice([9, 12, 15, 16, 20], size=300, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    counts_b = rng.choice([9, 12, 16, 20, 25], size=120, p=[0.1, 0.2, 0.3, 0.25, 0.15])  # no 15; 25 only here
    got = numbers(call(total_variation, counts_a.copy(), counts_b.copy()), "the distance")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    length = int(max(counts_a.max(), counts_b.max())) + 1
    share_a, share_b = _shares(counts_a, length), _shares(counts_b, length)
    expected = 0.5 * np.abs(share_a - share_b).sum()
    raw = np.abs(np.bincount(counts_a, minlength=length) - np.bincount(counts_b, minlength=length)).sum()
    in_a, in_b = np.unique(counts_a), np.unique(counts_b)
    expect_close(got.reshape(()), np.float64(expected), "the distance", rtol=1e-6, atol=1e-9, mistakes=[
        (2 * expected, f"got {2 * expected:.4f}, twice the reference: the sum of |p(k) - q(k)| counts each moved "
         "share twice (once where it leaves, once where it arrives); the distance is half of it"),
        (0.5 * raw, "the raw counts were compared; with samples of different sizes (300 and 120) the counts "
         "differ even for one distribution. Divide each sample's counts by its size to get shares"),
        (raw, "the raw counts were compared, and not halved: divide each sample's counts by its size, and take "
         "half of the sum"),
        (0.5 * np.abs(share_a[in_a] - share_b[in_a]).sum(), "only the values present in the first sample were "
         "summed over; a count that only the second sample has (here 25) is probability to move too: sum over "
         "every value present in either sample"),
        (0.5 * np.abs(share_a[in_b] - share_b[in_b]).sum(), "only the values present in the second sample were "
         "summed over; a count that only the first sample has (here 15) is probability to move too: sum over "
         "every value present in either sample"),
    ])
    same = float(np.ravel(numbers(call(total_variation, counts_a.copy(), np.repeat(counts_a, 2)), "the distance"))[0])
    disjoint = float(np.ravel(numbers(call(total_variation, np.full(10, 9), np.full(7, 16)), "the distance"))[0])
    if abs(same) > 1e-9:
        raise WrongAnswer(f"a sample and the same sample twice over have one distribution, at distance 0; got {same:g}")
    if abs(disjoint - 1.0) > 1e-9:
        raise WrongAnswer(f"samples with no count in common are at distance 1; got {disjoint:g}")
    return f"{expected:.4f} here, 0 for one distribution, 1 for distributions with no count in common"


#: The chapter's number of training paintings, against which exercise 12.3's experiment compares.
CHAPTER_PAINTINGS = 8000
#: The fewest training paintings the learner may choose in exercise 12.3 (one batch of the recipe)...
FEWEST_PAINTINGS = 64
#: ...and the most (at least four times fewer than the chapter's).
MOST_PAINTINGS = 2000
#: Outcomes the learner may predict in exercise 12.3: the expert's AUC, training paintings against unseen ones.
OUTCOMES = ("higher", "about the same", "lower")
#: A change of the AUC by more than this is clear (with 64 paintings an AUC wavers by about 0.04 by chance).
AUC_DIFFERENCE = 0.1


def _read_num_paintings(value) -> int:
    if isinstance(value, bool):
        raise WrongAnswer(f"num_paintings should be a whole number; got {value!r}")
    return whole_number(value, "num_paintings", FEWEST_PAINTINGS, MOST_PAINTINGS,
                        f" (one batch of {FEWEST_PAINTINGS} at least, and at least four times fewer than the "
                        f"chapter's {CHAPTER_PAINTINGS:,})")


def _memory_measured(num_paintings: int, baseline: float, changed: float, outcome: str) -> str:
    return (f"with {num_paintings:,} training paintings the expert's AUC, its own training paintings against unseen "
            f"ones, was {changed:.2f}, against {baseline:.2f} with {CHAPTER_PAINTINGS:,}: {outcome} (a change "
            f"of up to {AUC_DIFFERENCE} counts as about the same)")


def _memory_why(num_paintings: int, outcome: str) -> str:
    if outcome == "higher":
        return (f"in the same number of steps the expert saw each of {num_paintings:,} paintings over and over, so "
                "it learned those very paintings, not only what a Mondrian looks like, and scores them above unseen "
                "real ones. With 8,000 it saw each painting once or twice and cannot tell them from new ones (AUC "
                "near 0.5). An expert that remembers its gallery pulls the forger towards those paintings: with "
                "longer training that ends in copies, which is why the chapter checks them")
    if outcome == "lower":
        return ("an expert cannot rank the paintings it trained on *below* unseen ones for long; a result below the "
                "chapter's is chance in a short game: run it again with another seed")
    if num_paintings <= 4 * FEWEST_PAINTINGS:
        return (f"the expert saw each of {num_paintings:,} paintings many times, yet in this short game it did not "
                "score them clearly above unseen ones: its memory grows with the steps and wavers as the forger "
                "changes, and a short game may catch it low. With more steps it shows")
    return (f"in so short a game the expert saw each of {num_paintings:,} paintings only a few times, not often "
            "enough to remember them: it judges them like unseen ones (AUC near 0.5), as with 8,000. With fewer "
            "paintings, or more steps, each painting comes back more often and the expert starts to remember it")


@exercise("12.3", "an experiment: predict, then measure, whether a smaller gallery makes the expert remember it")
def _check_gallery_size_experiment(answer) -> str:
    return experiment(
        answer, names=("num_paintings", "prediction", "expert_memory"), read=_read_num_paintings,
        chapter_value=CHAPTER_PAINTINGS, outcomes=OUTCOMES, rises="higher", falls="lower", difference=AUC_DIFFERENCE,
        returns="an AUC, from 0 to 1", valid=lambda baseline, changed: 0 <= baseline <= 1 and 0 <= changed <= 1,
        measured=_memory_measured, why=_memory_why)
