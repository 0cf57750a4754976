"""Checks for the exercises of chapter 11: a bigger studio.

The checks need no logical devices: each plays the replicas one after the other in this process,
calling the learner's function once per replica with that replica's share of a global batch.
Exercise 11.4 times a small game on one device, twice.
"""

from __future__ import annotations

import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_changed,
    expect_close,
    expect_finite,
    expect_shape,
    experiment,
    matches,
    numbers,
    whole_number,
)


def _slices(values: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return np.split(values, np.cumsum(sizes)[:-1])


@exercise("11.1", "a replica's loss: its per-example losses averaged over the GLOBAL batch")
def _check_replica_loss(replica_loss) -> str:
    rng = np.random.default_rng(31)
    summaries = []
    # an even split, then the last batch of an epoch, cut unevenly: 10 examples on 3 replicas get 4, 3 and 3
    for sizes in ([8, 8], [4, 3, 3]):
        per_example = rng.gamma(2.0, 1.0, sum(sizes))
        per_example[: sizes[0]] += 3.0  # replica 0's examples cost more: unequal slices then weigh differently
        global_batch_size = sum(sizes)
        parts = _slices(per_example, sizes)
        got = []
        for replica, part in enumerate(parts):
            value = numbers(call(replica_loss, part.astype(np.float32), global_batch_size), f"replica {replica}'s loss")
            if value.size != 1:
                raise WrongAnswer(f"return one number per replica; got shape {value.shape}")
            got.append(float(value.ravel()[0]))
        got = np.array(got)
        expected = np.array([part.sum() / global_batch_size for part in parts])
        expect_close(got, expected, f"the replicas' losses on slices of {sizes}", rtol=1e-5, atol=1e-6, mistakes=[
            ([part.mean() for part in parts], "each replica took the mean over its own slice; the replicas' "
             "gradients are *summed*, so that counts the batch once per replica, and with unequal slices a "
             "small slice's examples weigh more. Divide the sum by global_batch_size"),
            ([part.sum() for part in parts], "the sum is not divided: divide it by global_batch_size"),
            ([part.mean() / global_batch_size for part in parts], "the mean of the slice was divided by the global "
             "batch size again; divide the *sum* of the slice by global_batch_size"),
            ([part.mean() / len(parts) for part in parts], "the slice's mean was divided by the number of replicas; "
             "that is right only when the slices are equal. Divide the sum by global_batch_size"),
        ])
        one_device = per_example.mean()
        if not np.isclose(got.sum(), one_device, rtol=1e-5):
            raise WrongAnswer(f"the replicas' losses add up to {got.sum():.5f}, not the one-device mean "
                              f"{one_device:.5f}")
        summaries.append(f"{' + '.join(f'{value:.3f}' for value in got)} = {one_device:.3f}")
    return "summed over the replicas it is the mean over the whole batch: " + "; ".join(summaries)


def _drawer(seed: int, dim: int):
    """draw(n): the n latent vectors that the shared seed gives; the same numbers on every replica."""

    def draw(num_vectors):
        num_vectors = int(num_vectors)
        return np.random.default_rng(seed).normal(size=(num_vectors, dim)).astype(np.float32)

    return draw


@exercise("11.2", "the slice of the global batch's noise that replica r keeps")
def _check_noise_for_replica(noise_for_replica) -> str:
    batch_size, num_replicas, dim = 5, 3, 4
    draw = _drawer(seed=32, dim=dim)
    one_device = draw(batch_size * num_replicas)
    for replica in range(num_replicas):
        got = numbers(call(noise_for_replica, draw, batch_size, replica, num_replicas), f"replica {replica}'s noise")
        if got.shape == one_device.shape:
            raise WrongAnswer(f"replica {replica} kept the whole global batch, shape {got.shape}; keep only its own "
                              f"{batch_size} rows")
        expect_shape(got, (batch_size, dim), f"replica {replica}'s noise", "one latent vector per example of its slice")
        expect_close(got, one_device[replica * batch_size : (replica + 1) * batch_size], f"replica {replica}'s noise",
                     rtol=0, atol=1e-6, mistakes=[
            (draw(batch_size), "each replica drew only its own batch from the shared seed, so every replica "
             "got the same noise (replica 0's): draw the whole global batch, batch_size * num_replicas, and keep "
             "a slice"),
            (one_device[replica : replica + batch_size], "the slice starts at row replica_id; it starts at "
             "replica_id * batch_size"),
            (one_device[replica::num_replicas], "that is every num_replicas-th row; the strategy cuts the real batch "
             "into consecutive slices (replica 0 gets the first batch_size examples), and the noise must follow: "
             "rows replica_id * batch_size to (replica_id + 1) * batch_size"),
            (one_device[(num_replicas - 1 - replica) * batch_size : (num_replicas - replica) * batch_size],
             "the slices are in reverse order: replica 0 keeps the first rows"),
        ])
    return (f"{num_replicas} replicas of {batch_size} together trained on the {batch_size * num_replicas} latent "
            "vectors that one device draws, in the same order")


def _step_reference(weights, scaled_gradients, loss_scale, learning_rate):
    """(new weights, new scale) in float64, the gradients unscaled exactly from their float16 values."""
    gradients = scaled_gradients.astype(np.float64) / loss_scale
    if not np.all(np.isfinite(gradients)):
        return weights.astype(np.float64), loss_scale / 2
    return weights.astype(np.float64) - learning_rate * gradients, loss_scale


def _on_float16_grid(step: np.ndarray, learning_rate: float) -> bool:
    """Whether the step (or the step over the learning rate) holds only float16 numbers: it was computed in float16."""
    def representable(values):
        return bool(np.allclose(values, values.astype(np.float16).astype(np.float64), rtol=0, atol=1e-12))

    return representable(step) or representable(step / learning_rate)


def _learner_step(loss_scale_step, weights, scaled_gradients, loss_scale, learning_rate, what):
    result = call(loss_scale_step, weights.copy(), scaled_gradients.copy(), loss_scale, learning_rate)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise WrongAnswer(f"{what}: return a pair (new_weights, new_loss_scale); got {type(result).__name__}")
    new_weights = numbers(result[0], f"{what}: the new weights")
    new_scale = numbers(result[1], f"{what}: the new loss scale")
    expect_shape(new_weights, weights.shape, f"{what}: the new weights")
    if new_scale.size != 1:
        raise WrongAnswer(f"{what}: the loss scale is one number; got shape {new_scale.shape}")
    return new_weights, float(new_scale.ravel()[0])


def _expect_finite_step(loss_scale_step, weights, scaled, loss_scale, learning_rate) -> None:
    """With finite gradients: a step with the unscaled gradients, in float32 or wider, and the scale stays."""
    new_weights, new_scale = _learner_step(loss_scale_step, weights, scaled, loss_scale, learning_rate,
                                           "with finite gradients")
    expect_finite(new_weights, "with finite gradients: the new weights")
    expected_weights, expected_scale = _step_reference(weights, scaled, loss_scale, learning_rate)
    step, expected_step = weights - new_weights, weights - expected_weights

    def wrong_step(gradients):
        return weights.astype(np.float64) - (weights - learning_rate * np.asarray(gradients, np.float64))

    what = "with finite gradients: the step (old weights - new weights)"
    mistakes = [
        (wrong_step(scaled), f"the gradients were not unscaled: the step is {loss_scale:g} times too large. "
         "Divide the gradients by loss_scale"),
        (wrong_step(scaled.astype(np.float64) * loss_scale), "the gradients were multiplied by loss_scale; "
         "divide them by it"),
    ]
    if not matches(step, expected_step, rtol=1e-3, atol=1e-12) and not any(
            matches(step, wrong, rtol=1e-3, atol=1e-12) for wrong, _ in mistakes) and _on_float16_grid(
            step, learning_rate):
        raise WrongAnswer(f"{what}: the steps are float16 numbers: the gradients were unscaled (or stepped) in "
                          "float16, where values below about 6e-5 lose precision and below 3e-8 round to zero, "
                          "the underflow that loss scaling avoids. Cast them to float32 first, then divide")
    expect_close(step, expected_step, what, rtol=1e-3, atol=1e-12, mistakes=mistakes)
    if new_scale != expected_scale:
        raise WrongAnswer(f"after a finite step the loss scale stays {loss_scale:g} here (Keras doubles it only "
                          f"after 2000 finite steps in a row); got {new_scale:g}")


def _expect_skipped_steps(loss_scale_step, weights, scaled, loss_scale, learning_rate) -> None:
    """With an inf (then a NaN) among the scaled gradients: the whole step skipped and the scale halved."""
    for bad, name in ((np.inf, "an inf"), (np.nan, "a NaN")):
        broken = scaled.copy()
        broken[[3, 40]] = bad, -bad
        what = f"with {name} among the scaled gradients"
        new_weights, new_scale = _learner_step(loss_scale_step, weights, broken, loss_scale, learning_rate, what)
        if not np.all(np.isfinite(new_weights)):
            raise WrongAnswer(f"{what}: the step was applied and some weights are not finite; when any gradient is not "
                              "finite, skip the whole step (keep the weights)")
        if not np.array_equal(new_weights, weights.astype(np.float64)):
            raise WrongAnswer(f"{what}: some weights moved; skip the *whole* step when any gradient is not finite, "
                              "not only the entries that are")
        if new_scale == loss_scale:
            raise WrongAnswer(f"{what}: the step was skipped but the loss scale stayed {loss_scale:g}; halve it, "
                              "or the next step overflows again")
        if new_scale != loss_scale / 2:
            raise WrongAnswer(f"{what}: the loss scale should be halved to {loss_scale / 2:g}; got {new_scale:g}")


@exercise("11.3", "one float16 step with loss scaling: unscale the gradients, or skip the step on inf")
def _check_loss_scale_step(loss_scale_step) -> str:
    rng = np.random.default_rng(33)
    loss_scale, learning_rate = 2.0**15, 0.5
    weights = rng.normal(0.0, 1e-6, 64).astype(np.float32)  # small: float32 keeps the steps exact
    true_gradients = rng.normal(0.0, 2e-7, 64)  # small, as a deep player's gradients often are
    underflow = int(np.sum(true_gradients.astype(np.float16) == 0))
    scaled = (true_gradients * loss_scale).astype(np.float16)  # what the backward pass of the scaled loss gives
    _expect_finite_step(loss_scale_step, weights, scaled, loss_scale, learning_rate)
    _expect_skipped_steps(loss_scale_step, weights, scaled, loss_scale, learning_rate)
    return (f"unscaled in float32 ({underflow} of 64 of these gradients would be 0 in float16 without the scale), "
            "and on inf or NaN the step skipped and the scale halved")


#: The chapter's global batch, against which exercise 11.4's experiment compares.
CHAPTER_BATCH_SIZE = 64
#: Outcomes the learner may predict in exercise 11.4: the images per second.
SPEED_OUTCOMES = ("more images per second", "about the same", "fewer images per second")
LARGEST_BATCH = 4096  # larger batches make the cell run for minutes on a laptop CPU


def _why_speed(batch_size: int, outcome: str) -> str:
    if outcome == "about the same":
        return ("the arithmetic already fills the cores at both batch sizes: a step then takes time in proportion "
                "to its batch, so carrying more images per step no longer buys images per second")
    overhead = ("a step costs a fixed price (starting the step's many small operations, the optimizer updates, "
                "the input pipeline) plus arithmetic that grows with the batch; players this small spend most of "
                "a step on the fixed price")
    if outcome == "more images per second":
        return (f"{overhead}, so {batch_size} images ride on one step for little more time than "
                f"{CHAPTER_BATCH_SIZE}. This is why scaling up means larger global batches. Images per second "
                "are not progress per image: a larger batch also means fewer steps per epoch, so the learning "
                "rate often has to change with it")
    return (f"{overhead}, so a step of {batch_size} images costs nearly as much time as a step of "
            f"{CHAPTER_BATCH_SIZE}: the device idles between tiny pieces of arithmetic. Small batches are cheap "
            "in memory, not in time")


def _read_batch_size(batch_size) -> int:
    batch_size = whole_number(batch_size, "batch_size", 1, LARGEST_BATCH,
                              " (larger batches make the cell run for minutes on a laptop)")
    return expect_changed("batch_size", batch_size, CHAPTER_BATCH_SIZE, 8, " (8 or 512, say)")


def _measured_speed(batch_size: int, baseline: float, changed: float, outcome: str) -> str:
    return (f"with batches of {batch_size} the game trained on {changed:,.0f} images per second, against "
            f"{baseline:,.0f} with batches of {CHAPTER_BATCH_SIZE} ({changed / baseline:.1f} times): {outcome}")


@exercise("11.4", "an experiment: predict, then measure, what the batch size does to images per second")
def _check_batch_size_experiment(answer) -> str:
    return experiment(
        answer, names=("batch_size", "prediction", "images_per_second_at"), read=_read_batch_size,
        chapter_value=CHAPTER_BATCH_SIZE, outcomes=SPEED_OUTCOMES, rises="more images per second",
        falls="fewer images per second", returns="a positive speed",
        valid=lambda baseline, changed: baseline > 0 and changed > 0, measured=_measured_speed, why=_why_speed)
