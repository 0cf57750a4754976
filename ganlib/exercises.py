"""Self-checks for the exercises that end every chapter: the workshop kit, the same for all chapters.

A chapter's exercise cell holds a gap (``...``) for the learner to fill, then calls
``exercises.check("NN.k", answer)``. The contract of `check`:

- **Not done yet.** ``answer`` is the gap itself (``...``), or a function that still returns
  ``...``: it prints ``not done yet: <the task>``. It never raises, so a
  chapter whose gaps are empty runs top to bottom (``make test`` runs every chapter that way).
- **Right.** It prints ``correct: <what was checked>`` and records the exercise as solved in this
  Python session (`is_solved`).
- **Wrong.** It raises `WrongAnswer` (an ``AssertionError``) that says, in plain words, what is
  wrong and, for the usual mistakes, why. The solution notebooks (``notebooks/solutions/``) run
  in CI, so a solution that stops passing its own check fails the tests.

`progress` prints how many exercises of a chapter are solved; `require_all` (the last cell of each
solution notebook) raises unless all of them are. Every check compares the answer with a
reference computed here, independently of the rest of ``ganlib`` (NumPy or SciPy formulas written
out again), on inputs where the usual mistakes give different numbers.

Explained in chapter 00 (how to run the course); the exercises themselves are in every chapter.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import keras
import numpy as np

#: Plain-words prefix of the message printed for an unfilled gap.
NOT_DONE = "not done yet"


class WrongAnswer(AssertionError):
    """Raised by `check` for a wrong answer; its message says what is wrong."""


class _NotDone(Exception):
    """Internal: the answer (or what it returned) is still the gap ``...``."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: its id ``"NN.k"``, the task in one line, and the function that checks an answer."""

    exercise_id: str
    task: str
    checker: Callable[[object], str]

    @property
    def chapter(self) -> str:
        return self.exercise_id.split(".")[0]


EXERCISES: dict[str, Exercise] = {}
_solved: set[str] = set()


def _exercise(exercise_id: str, task: str):
    def register(checker):
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is defined twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, task, checker)
        return checker

    return register


def _find(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}")
    return EXERCISES[exercise_id]


def chapter_exercises(chapter: str) -> list[str]:
    """The ids of a chapter's exercises (``chapter`` as ``"03"``), in order."""
    return sorted(exercise_id for exercise_id in EXERCISES if exercise_id.split(".")[0] == chapter)


def check(exercise_id: str, answer) -> None:
    """Check ``answer`` to exercise ``exercise_id``: print "not done yet" or "correct", or raise `WrongAnswer`.

    It returns nothing, so a notebook cell that ends with it shows only the printed verdict; `is_solved`
    says whether an exercise was checked correct in this session.
    """
    exercise = _find(exercise_id)
    try:
        _not_done_if_gap(answer)
        verdict = exercise.checker(answer)
    except _NotDone:
        print(f"{NOT_DONE}: exercise {exercise_id} ({exercise.task}). Fill in the `...` and run the cell again.")
        return
    except WrongAnswer as error:
        raise WrongAnswer(f"exercise {exercise_id} is not right yet: {error}") from None
    _solved.add(exercise_id)
    print(f"correct: exercise {exercise_id}, {verdict}")


def is_solved(exercise_id: str) -> bool:
    """Whether `check` found a right answer to ``exercise_id`` in this session."""
    _find(exercise_id)
    return exercise_id in _solved


def progress(chapter: str) -> None:
    """Print how many of ``chapter``'s exercises were checked correct in this session, and which are left."""
    ids = chapter_exercises(chapter)
    done = [exercise_id for exercise_id in ids if exercise_id in _solved]
    left = [exercise_id for exercise_id in ids if exercise_id not in _solved]
    print(f"chapter {chapter}: {len(done)} of {len(ids)} exercises solved"
          + (f"; still to do: {', '.join(left)}" if left else ""))


def require_all(chapter: str) -> None:
    """Raise `WrongAnswer` unless every exercise of ``chapter`` was checked correct in this session."""
    ids = chapter_exercises(chapter)
    if not ids:
        raise ValueError(f"chapter {chapter!r} has no exercises in ganlib.exercises")
    left = [exercise_id for exercise_id in ids if exercise_id not in _solved]
    if left:
        raise WrongAnswer(f"chapter {chapter}: exercises {', '.join(left)} were not checked correct in this session")
    print(f"chapter {chapter}: all {len(ids)} exercises solved")


# ------------------------------------------------------------------------------- helpers
def _not_done_if_gap(value) -> None:
    if value is Ellipsis or (isinstance(value, (tuple, list)) and any(item is Ellipsis for item in value)):
        raise _NotDone


def _call(function, *args):
    """Call the learner's function; a result that is still ``...`` means the gap is not filled."""
    if not callable(function):
        raise WrongAnswer(f"expected a function; got {type(function).__name__}")
    result = function(*args)
    _not_done_if_gap(result)
    return result


def _numbers(value, what: str) -> np.ndarray:
    """The learner's result as a float64 NumPy array (NumPy, TensorFlow or Keras values all work)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"{what} should be numbers; got {type(value).__name__} ({error})") from None
    return array


def _expect_shape(array: np.ndarray, shape: tuple, what: str, hint: str = "") -> None:
    if array.shape != tuple(shape):
        raise WrongAnswer(f"{what} should have shape {tuple(shape)}; got {array.shape}. {hint}".strip())


def _expect_finite(array: np.ndarray, what: str, hint: str = "") -> None:
    if not np.all(np.isfinite(array)):
        raise WrongAnswer(f"{what} has infinite or NaN values: {array[~np.isfinite(array)][:3]}. {hint}".strip())


def _matches(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _expect_close(got: np.ndarray, expected: np.ndarray, what: str, mistakes=(), rtol=1e-4, atol=1e-5) -> None:
    """Raise unless ``got`` matches ``expected``; ``mistakes`` are (wrong value, explanation) pairs to recognize."""
    if _matches(got, expected, rtol, atol):
        return
    for wrong, explanation in mistakes:
        if _matches(got, np.asarray(wrong, dtype=np.float64), rtol, atol):
            raise WrongAnswer(f"{what}: {explanation}")
    where = np.argmax(np.abs(got - expected)) if got.shape == expected.shape else None
    detail = (f" (at position {where}: expected {expected.ravel()[where]:.6g}, got {got.ravel()[where]:.6g})"
              if where is not None else "")
    raise WrongAnswer(f"{what} does not match the reference{detail}")


def _softplus(x):
    return np.logaddexp(0.0, x)


def _normal_density(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))


# --------------------------------------------------------------- chapter 00: the data
@_exercise("00.1", "count the modes that a set of points covers")
def _check_count_modes(count_modes) -> str:
    centres = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    std = 0.01
    rng = np.random.default_rng(0)
    cases = {
        "points on all 8 modes": (centres[rng.integers(0, 8, 500)] + rng.normal(0, std, (500, 2)), 8),
        "points on the first mode only": (centres[0] + rng.normal(0, std, (300, 2)), 1),
        "points 2 standard deviations right of modes 0, 1 and 2": (centres[:3] + [2 * std, 0.0], 3),
        "points 4 standard deviations right of every mode": (centres + [4 * std, 0.0], 0),
        "points at the centre of the ring": (np.zeros((50, 2)), 0),
    }
    for name, (points, expected) in cases.items():
        got = _call(count_modes, points, centres, std)
        if not isinstance(got, (int, np.integer)) and not (np.ndim(got) == 0 and float(got).is_integer()):
            raise WrongAnswer(f"for {name} it returned {got!r}; expected a whole number of modes")
        if int(got) != expected:
            hint = ""
            if name.startswith("points 2") and int(got) == 0:
                hint = " A point counts for a mode when it lies within 3 standard deviations (3 * std) of it."
            if name.startswith("points 4") and int(got) > 0:
                hint = " Points farther than 3 * std from every centre count for no mode."
            raise WrongAnswer(f"for {name} it counted {int(got)} modes; expected {expected}.{hint}")
    return f"it counted the covered modes right in all {len(cases)} cases"


@_exercise("00.2", "the density of the 1-D mixture")
def _check_mixture_density(mixture_density) -> str:
    xs = np.linspace(-5.0, 5.0, 201)
    got = _numbers(_call(mixture_density, xs), "the density")
    _expect_shape(got, xs.shape, "the density", "Return one density value per x.")
    expected = 0.5 * _normal_density(xs, -2.0, 0.5) + 0.5 * _normal_density(xs, 2.0, 0.5)
    area = float(np.sum(got) * (xs[1] - xs[0]))
    _expect_close(got, expected, "the density", mistakes=[
        (2 * expected, "it is twice the right value: each of the two Gaussians has weight 1/2"),
        (0.5 * np.exp(-0.5 * ((xs + 2) / 0.5) ** 2) + 0.5 * np.exp(-0.5 * ((xs - 2) / 0.5) ** 2),
         "each Gaussian's density needs the factor 1 / (std * sqrt(2 pi)) so the area under the curve is 1"),
    ])
    return f"it matches the exact mixture density, and the area under it is {area:.3f}"


@_exercise("00.3", "turn forger output in [-1, 1] into 8-bit pixels")
def _check_to_pixels(to_pixels) -> str:
    rng = np.random.default_rng(1)
    images = np.concatenate([np.tanh(rng.normal(0, 2, (5, 28, 28, 1))),
                             np.full((1, 28, 28, 1), -1.0), np.full((1, 28, 28, 1), 1.0)]).astype(np.float32)
    got = _call(to_pixels, images)
    got_array = np.asarray(keras.ops.convert_to_numpy(got))
    _expect_shape(got_array, images.shape, "the pixels", "Keep the shape of the images.")
    if got_array.dtype != np.uint8:
        raise WrongAnswer(f"the pixels should be stored as uint8, like the raw digits; got {got_array.dtype}. "
                          "Convert at the end with .astype(np.uint8).")
    expected = (images.astype(np.float64) + 1.0) * 127.5
    if got_array[-2].max() != 0 or got_array[-1].min() != 255:
        raise WrongAnswer(f"-1 should become 0 and +1 should become 255; got {got_array[-2].max()} and "
                          f"{got_array[-1].min()}. Map [-1, 1] to [0, 255]: (x + 1) * 127.5")
    gap = np.abs(got_array.astype(np.float64) - expected).max()
    if gap > 1.0:
        raise WrongAnswer(f"some pixels are off by {gap:.0f} levels from (x + 1) * 127.5")
    return "every pixel is within one level of (x + 1) * 127.5, stored as uint8"


# ------------------------------------------------------------------ chapter 01: the expert
@_exercise("01.1", "binary cross-entropy from logits, one value per example")
def _check_bce_from_logits(bce_from_logits) -> str:
    logits = np.array([-100.0, -40.0, -3.0, -0.5, 0.0, 0.5, 3.0, 40.0, 100.0] * 2, dtype=np.float32)
    targets = np.array([1.0] * 9 + [0.0] * 9, dtype=np.float32)
    got = _numbers(_call(bce_from_logits, logits, targets), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per example (no mean), shape (18,)")
    _expect_shape(got, logits.shape, "the loss", "Return one loss per example.")
    _expect_finite(got, "the loss", "Computed from the probability, the loss overflows where sigmoid rounds to 0 "
                   "or 1: use log(1 + e^l) = softplus(l), e.g. np.logaddexp(0, l), which works on the logit.")
    expected = _softplus(logits.astype(np.float64)) - targets * logits
    swapped = _softplus(logits.astype(np.float64)) - (1 - targets) * logits
    _expect_close(got, expected, "the loss", rtol=1e-4, atol=1e-4, mistakes=[
        (swapped, "it is the loss with the targets swapped: target 1 (real) should give a small loss for a "
         "large logit"),
    ])
    return "it equals -t log sigmoid(l) - (1 - t) log(1 - sigmoid(l)), and stays exact at logits of +-100"


@_exercise("01.2", "the best possible expert D*(x) for the 1-D mixture against the crude forger")
def _check_best_expert(best_expert) -> str:
    xs = np.linspace(-4.0, 4.0, 161)
    got = _numbers(_call(best_expert, xs), "D*(x)")
    _expect_shape(got, xs.shape, "D*(x)", "Return one probability per x.")
    real = 0.5 * _normal_density(xs, -2.0, 0.5) + 0.5 * _normal_density(xs, 2.0, 0.5)
    fake = _normal_density(xs, 0.0, 0.5)
    expected = real / (real + fake)
    _expect_close(got, expected, "D*(x)", atol=1e-6, mistakes=[
        (1 - expected, "that is the probability that x is *fake*: put the real density on top"),
        (real / fake, "divide by the sum p_real + p_fake, not by p_fake alone; D* is a probability"),
    ])
    return f"D*(x) = p_real / (p_real + p_fake) everywhere; it is {expected[80]:.3f} at x = 0"


@_exercise("01.3", "accuracy of an expert from its logits")
def _check_accuracy(accuracy) -> str:
    logits = np.array([-2.0, -0.3, 0.2, 0.4, 1.5, -1.0, 0.3, 2.0], dtype=np.float32)
    targets = np.array([0, 0, 1, 1, 1, 0, 0, 1], dtype=np.float32)
    got = _numbers(_call(accuracy, logits, targets), "the accuracy")
    if got.shape != ():
        raise WrongAnswer(f"return one number, the share of right verdicts; got shape {got.shape}")
    expected = float(np.mean((logits > 0) == (targets == 1)))
    if abs(float(got) - expected) > 1e-6:
        at_half = float(np.mean((logits > 0.5) == (targets == 1)))
        if abs(float(got) - at_half) < 1e-6:
            raise WrongAnswer(f"got {float(got):.3f}, the accuracy with a threshold of 0.5 on the *logit*. A logit "
                              "of 0.2 means a probability of 0.55, so 'real': threshold logits at 0")
        raise WrongAnswer(f"got {float(got):.3f}; expected {expected:.3f}")
    return f"{expected:.3f}: logits above 0 are verdicts 'real'"


# ----------------------------------------------------------------- chapter 02: the forger
@_exercise("02.1", "1,000 latent vectors of size 16 from a standard Gaussian")
def _check_latent_vectors(latent_vectors) -> str:
    values = _numbers(latent_vectors, "the latent vectors")
    _expect_shape(values, (1000, 16), "the latent vectors", "One row per vector: shape (num_vectors, latent_dim).")
    mean, std = values.mean(), values.std()
    share_within_one = np.mean(np.abs(values) < 1)
    if abs(mean) > 0.05 or abs(std - 1) > 0.05:
        raise WrongAnswer(f"mean {mean:.3f} and standard deviation {std:.3f}; a standard Gaussian has 0 and 1")
    if abs(share_within_one - 0.683) > 0.03:
        raise WrongAnswer(f"{share_within_one:.1%} of the values lie in (-1, 1); for a standard Gaussian it is "
                          "68.3 %. Draw from a Gaussian (keras.random.normal), not a uniform distribution")
    return f"mean {mean:+.3f}, standard deviation {std:.3f}, {share_within_one:.1%} within one standard deviation"


@_exercise("02.2", "interpolate between two latent vectors")
def _check_interpolate(interpolate) -> str:
    rng = np.random.default_rng(2)
    start, end = rng.standard_normal(16), rng.standard_normal(16)
    got = _numbers(_call(interpolate, start, end, 7), "the path")
    expected = start + np.linspace(0.0, 1.0, 7)[:, None] * (end - start)
    if got.shape == (6, 16) or got.shape == (5, 16):
        raise WrongAnswer(f"it returned {got.shape[0]} vectors for num_steps=7: include both ends, start and end")
    _expect_shape(got, (7, 16), "the path", "Return num_steps vectors, one per row.")
    _expect_close(got, expected, "the path", mistakes=[
        (expected[::-1], "the path runs backwards: the first row should be `start`, the last `end`"),
    ])
    return "7 evenly spaced vectors from start to end, both ends included"


@_exercise("02.3", "the forger's non-saturating loss -log D(G(z)), one value per forgery")
def _check_forger_loss(forger_loss) -> str:
    logits = np.array([-100.0, -20.0, -2.0, 0.0, 2.0, 20.0], dtype=np.float32)
    got = _numbers(_call(forger_loss, logits), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per forgery (no mean), shape (6,)")
    _expect_shape(got, logits.shape, "the loss")
    _expect_finite(got, "the loss", "-log(sigmoid(l)) overflows for very negative logits: it equals "
                   "softplus(-l), e.g. np.logaddexp(0, -l)")
    expected = _softplus(-logits.astype(np.float64))
    _expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (-_softplus(logits.astype(np.float64)), "that is log(1 - D(G(z))), the original minimax loss, which "
         "saturates: it is flat where the expert rejects the forgery. Use -log D(G(z))"),
        (_softplus(logits.astype(np.float64)), "that is -log(1 - D(G(z))), which the forger would *raise* by "
         "being caught; it wants D(G(z)) close to 1: -log D(G(z))"),
    ])
    return f"-log D(G(z)): {expected[2]:.3f} for a logit of -2 and {expected[4]:.3f} for +2"


# ------------------------------------------------------------------- chapter 03: the game
@_exercise("03.1", "the expert's loss for a pair (a real painting and a forgery), from logits")
def _check_expert_loss(expert_loss) -> str:
    rng = np.random.default_rng(3)
    real_logits = np.concatenate([rng.normal(0, 3, 20), [60.0, -60.0]]).astype(np.float32)
    fake_logits = np.concatenate([rng.normal(0, 3, 20), [-60.0, 60.0]]).astype(np.float32)
    got = _numbers(_call(expert_loss, real_logits, fake_logits), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per pair (no mean), shape (22,)")
    _expect_shape(got, real_logits.shape, "the loss")
    _expect_finite(got, "the loss", "compute from the logits with softplus, not from sigmoid probabilities")
    r, f = real_logits.astype(np.float64), fake_logits.astype(np.float64)
    expected = _softplus(-r) + _softplus(f)
    _expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (_softplus(r) + _softplus(-f), "the labels are swapped: real paintings should have target 1 "
         "(loss -log D(x)) and forgeries target 0 (loss -log(1 - D(G(z))))"),
        (_softplus(-r), "only the real term is there: add the loss on the forgery, -log(1 - D(G(z)))"),
        (expected / 2, "it is half the pair loss: sum the real and fake terms, do not average them"),
    ])
    return "-log D(x) - log(1 - D(G(z))) for every pair, exact at logits of +-60"


@_exercise("03.2", "the expert's loss at the game's equilibrium")
def _check_equilibrium_loss(answer) -> str:
    value = _numbers(answer, "the answer")
    if value.size != 1:
        raise WrongAnswer(f"give one number, the mean loss per pair; got shape {value.shape}")
    value = float(value.ravel()[0])
    expected = 2 * math.log(2)
    if abs(value - expected) > 1e-4:
        if abs(value - math.log(2)) < 1e-4:
            raise WrongAnswer(f"{value:.4f} is log 2, the loss on one side only: a pair has a real and a fake term")
        raise WrongAnswer(f"got {value:.4f}. At equilibrium D = 1/2 everywhere, i.e. every logit is 0")
    return f"2 log 2 = {expected:.4f}: the value d_loss hovers around when the expert can only guess"


def _small_players(seed: int):
    from ganlib import models  # the players are ganlib's; the step and its reference are not

    generator = models.mlp_generator(latent_dim=2, output_dim=1, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=1, width=16, depth=2)
    rng = np.random.default_rng(seed)  # fixed weights, without touching the session's global seeds
    for model in (generator, discriminator):
        model.set_weights([rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return generator, discriminator


def _reference_forger_step(latent, learning_rate, loss_of_logits):
    """Fresh players (seed 5), one plain gradient step of the forger on ``loss_of_logits``; its weights after."""
    import tensorflow as tf

    generator, discriminator = _small_players(seed=5)
    with tf.GradientTape() as tape:
        loss = loss_of_logits(discriminator(generator(latent, training=True), training=False))
    gradients = tape.gradient(loss, generator.trainable_weights)
    for weight, gradient in zip(generator.trainable_weights, gradients, strict=True):
        weight.assign(weight - learning_rate * gradient)
    return [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]


@_exercise("03.3", "one training step of the forger against a fixed expert")
def _check_forger_step(forger_step) -> str:
    import tensorflow as tf

    learning_rate = 0.05
    latent = keras.random.normal((64, 2), seed=5)
    generator, discriminator = _small_players(seed=5)
    start = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    expert_before = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    _call(forger_step, generator, discriminator, keras.optimizers.SGD(learning_rate), latent)
    got = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    expert_after = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    if any(not np.array_equal(a, b) for a, b in zip(expert_before, expert_after, strict=True)):
        raise WrongAnswer("the expert's weights changed: the forger's step takes gradients with respect to "
                          "generator.trainable_weights only, and the expert stays fixed")
    if all(np.array_equal(a, b) for a, b in zip(start, got, strict=True)):
        raise WrongAnswer("the forger's weights did not move: apply the gradients with the optimizer")

    def same_as(loss_of_logits):
        reference = _reference_forger_step(latent, learning_rate, loss_of_logits)
        return all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(got, reference, strict=True))

    if same_as(lambda logits: tf.reduce_mean(tf.nn.softplus(-logits))):
        return "one step on the mean of -log D(G(z)) moved the forger's weights exactly as the reference step"
    if same_as(lambda logits: tf.reduce_sum(tf.nn.softplus(-logits))):
        raise WrongAnswer("the step is 64 times too large: average the loss over the batch (mean), do not sum it")
    if same_as(lambda logits: tf.reduce_mean(-tf.nn.softplus(logits))):
        raise WrongAnswer("that is a step on log(1 - D(G(z))), the saturating loss; use -log D(G(z))")
    raise WrongAnswer("the forger's weights moved, but not as one step on the mean of -log D(G(z)) = "
                      "softplus(-logits); check the loss and that the fakes go through the expert")


# ------------------------------------------------------------- chapter 04: digits (DCGAN)
@_exercise("04.1", "a DCGAN forger: latent vector -> 28x28x1 image in [-1, 1]")
def _check_build_forger(build_forger) -> str:
    forger = _call(build_forger, 16)
    if not isinstance(forger, keras.Model):
        raise WrongAnswer(f"build_forger should return a keras.Model; got {type(forger).__name__}")
    latent = keras.random.normal((3, 16), seed=6)
    try:
        images = _numbers(forger(latent), "the images")
    except WrongAnswer:
        raise
    except Exception as error:  # a model that cannot take latent vectors of size 16
        raise WrongAnswer(f"the forger could not paint from 3 latent vectors of size 16: {error}") from None
    _expect_shape(images, (3, 28, 28, 1), "the images", "Each Conv2DTranspose with strides=2 and padding='same' "
                  "doubles the size: 7x7 -> 14x14 -> 28x28, and the last one has 1 channel.")
    extreme = _numbers(forger(100.0 * latent), "the images")
    if extreme.min() < -1.0 or extreme.max() > 1.0:
        raise WrongAnswer(f"for large latent vectors the pixels reach {extreme.min():.1f}..{extreme.max():.1f}; "
                          "end with a tanh activation so every image stays in [-1, 1] like the real ones")
    return f"{forger.count_params():,} weights, images of shape (28, 28, 1) in [-1, 1]"


@_exercise("04.2", "one update of the moving average of the forger's weights")
def _check_ema_update(ema_update) -> str:
    rng = np.random.default_rng(7)
    average, weights = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    got = _numbers(_call(ema_update, average, weights, 0.9), "the new average")
    _expect_shape(got, average.shape, "the new average")
    expected = 0.9 * average + 0.1 * weights
    _expect_close(got, expected, "the new average", mistakes=[
        (0.1 * average + 0.9 * weights, "the weights are swapped: the old average keeps the weight `momentum` "
         "(0.9) and the new weights get 1 - momentum (0.1), so the average moves slowly"),
    ])
    return "average <- momentum * average + (1 - momentum) * weights"


@_exercise("04.3", "a convolutional expert: 28x28x1 image -> one logit, no batch normalization")
def _check_build_expert(build_expert) -> str:
    expert = _call(build_expert)
    if not isinstance(expert, keras.Model):
        raise WrongAnswer(f"build_expert should return a keras.Model; got {type(expert).__name__}")
    images = np.random.default_rng(8).uniform(-1, 1, (5, 28, 28, 1)).astype(np.float32)
    logits = _numbers(expert(images), "the verdicts")
    _expect_shape(logits, (5, 1), "the verdicts", "End with Flatten() and Dense(1): one logit per image.")
    norms = [layer.name for layer in expert.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if norms:
        raise WrongAnswer(f"remove the batch normalization ({', '.join(norms)}): the expert sees real and fake "
                          "batches separately, so batch statistics would give the fakes away")
    last = expert.layers[-1]
    activation = getattr(last, "activation", None)
    if activation is not None and getattr(activation, "__name__", "linear") not in ("linear", "identity"):
        raise WrongAnswer(f"the last layer applies {activation.__name__}; return the raw logit (no activation), "
                          "the losses take logits")
    if not any(isinstance(layer, keras.layers.Conv2D) and tuple(layer.strides) == (2, 2) for layer in expert.layers):
        raise WrongAnswer("use strided convolutions (Conv2D with strides=2) to go from 28x28 down to 7x7")
    return f"{expert.count_params():,} weights, one logit per image, no batch normalization"


# --------------------------------------------------------- chapter 07: judging the forgeries
def _reference_frechet(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import linalg

    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


@_exercise("07.1", "the Fréchet distance between two sets of features")
def _check_frechet(frechet_distance) -> str:
    rng = np.random.default_rng(9)
    mixing = rng.normal(size=(6, 6))
    features_a = rng.normal(size=(800, 6)) @ mixing
    features_b = rng.normal(size=(600, 6)) @ (mixing * 1.5) + rng.normal(size=6)
    got = _numbers(_call(frechet_distance, features_a, features_b), "the distance")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    expected = _reference_frechet(features_a, features_b)
    if not math.isclose(got, expected, rel_tol=1e-3):
        mean_term = float(np.sum((features_a.mean(0) - features_b.mean(0)) ** 2))
        if math.isclose(got, math.sqrt(max(expected, 0.0)), rel_tol=1e-3):
            raise WrongAnswer(f"got {got:.3f}, the square root of the reference: the formula gives d squared")
        if math.isclose(got, mean_term, rel_tol=1e-3):
            raise WrongAnswer(f"got {got:.3f}, the mean term only: add the trace term, which compares the spreads")
        raise WrongAnswer(f"got {got:.3f}; expected {expected:.3f}. The square root is the *matrix* square root of "
                          "Sigma_a @ Sigma_b (scipy.linalg.sqrtm), not the element-wise one")
    shifted = rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)) + [3.0, 4.0]
    closed = float(np.ravel(_numbers(_call(frechet_distance, *shifted), "the distance"))[0])
    if not math.isclose(closed, _reference_frechet(*shifted), rel_tol=1e-3):
        raise WrongAnswer(f"for two Gaussians shifted by (3, 4) it gave {closed:.2f}; the reference is "
                          f"{_reference_frechet(*shifted):.2f} (about 25)")
    return f"{expected:.3f} on correlated features, and {closed:.2f} for two Gaussians shifted by (3, 4)"


@_exercise("07.2", "the classifier score from class probabilities")
def _check_classifier_score(classifier_score) -> str:
    rng = np.random.default_rng(10)
    probabilities = rng.dirichlet(np.full(10, 0.3), size=500)
    got = _numbers(_call(classifier_score, probabilities), "the score")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    marginal = probabilities.mean(axis=0)
    mean_kl = float(np.mean(np.sum(probabilities * (np.log(probabilities) - np.log(marginal)), axis=1)))
    expected = math.exp(mean_kl)
    if not math.isclose(got, expected, rel_tol=1e-4):
        if math.isclose(got, mean_kl, rel_tol=1e-4):
            raise WrongAnswer(f"got {got:.4f}, the mean KL divergence: the score is its exponential")
        reversed_kl = float(np.mean(np.sum(marginal * (np.log(marginal) - np.log(probabilities)), axis=1)))
        if math.isclose(got, math.exp(reversed_kl), rel_tol=1e-4):
            raise WrongAnswer("the KL divergence is the wrong way round: KL(p(y|x) || p(y)), "
                              "sum of p(y|x) * log(p(y|x) / p(y))")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}")
    one_class = np.tile(np.eye(10)[3] * 0.999 + 0.0001, (100, 1))
    collapsed = float(np.ravel(_numbers(_call(classifier_score, one_class), "the score"))[0])
    if not 0.99 < collapsed < 1.01:
        raise WrongAnswer(f"a forger whose every sample is read as a 3 should score 1; got {collapsed:.3f}")
    return f"{expected:.3f} here, and 1 for a forger that paints only one digit"


def _reference_precision(real: np.ndarray, fake: np.ndarray, k: int) -> float:
    real_to_real = np.linalg.norm(real[:, None] - real[None], axis=2)
    radii = np.sort(real_to_real, axis=1)[:, k]  # position 0 is the point itself
    fake_to_real = np.linalg.norm(fake[:, None] - real[None], axis=2)
    return float(np.mean((fake_to_real <= radii[None]).any(axis=1)))


@_exercise("07.3", "precision of distributions with k-nearest-neighbour balls")
def _check_precision(precision) -> str:
    rng = np.random.default_rng(11)
    real = rng.normal(size=(300, 2))
    fake = rng.normal(0.8, 1.3, size=(250, 2))
    got = _numbers(_call(precision, real, fake, 3), "the precision")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    expected = _reference_precision(real, fake, 3)
    if abs(got - expected) > 1e-9:
        if abs(got - _reference_precision(real, fake, 2)) < 1e-9:
            raise WrongAnswer(f"got {got:.3f}: your balls reach the (k-1)-th neighbour. Among the real points, "
                              "each point's nearest one is itself at distance 0: skip it")
        if abs(got - _reference_precision(real, fake, 4)) < 1e-9:
            raise WrongAnswer(f"got {got:.3f}: your balls reach the (k+1)-th neighbour; index k of the sorted "
                              "distances (position 0 is the point itself) is the k-th neighbour")
        raise WrongAnswer(f"got {got:.3f}; expected {expected:.3f}")
    return f"{expected:.3f} of the forgeries fall inside the real points' k-nearest-neighbour balls"
