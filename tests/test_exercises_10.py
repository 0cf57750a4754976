"""Exercises of chapter 10: the checks pass the solutions, report empty gaps, and name the usual mistakes."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _peak_share(amplitude=False, constant=False, neighbours=1, pooled=False, per_window=False):
    def peak_share(windows):
        spectra = np.abs(np.fft.rfft(windows, axis=1)) ** (1 if amplitude else 2)
        spectra = spectra if constant else spectra[:, 1:]
        spectra = spectra.mean(axis=0, keepdims=True) if pooled else spectra
        peak, width = spectra.argmax(axis=1), spectra.shape[1]
        near = sum(np.where((peak + shift >= 0) & (peak + shift < width),
                            spectra[np.arange(len(spectra)), np.clip(peak + shift, 0, width - 1)], 0.0)
                   for shift in range(-neighbours, neighbours + 1))
        shares = near / spectra.sum(axis=1)
        return shares if per_window else float(shares.mean())

    return peak_share


def _peak_share_without_edges(windows):
    power = (np.abs(np.fft.rfft(windows, axis=1)) ** 2)[:, 1:]
    peak, rows = power.argmax(axis=1), np.arange(len(power))
    near = power[rows, peak - 1] + power[rows, peak] + power[rows, (peak + 1) % power.shape[1]]  # wraps around
    return float(np.mean(near / power.sum(axis=1)))


@np.errstate(all="ignore")
def _loss_from_probabilities(fake_logits, restored, clean, l1_weight):
    probability = 1 / (1 + np.exp(-fake_logits.astype(np.float32)))
    return float(np.mean(-np.log(probability)) + l1_weight * np.mean(np.abs(restored - clean)))


def _restorer_loss(adversarial=lambda logits: tf.nn.softplus(-logits), l1=tf.abs, weight_on_adversarial=False,
                   reduce=tf.reduce_mean):
    def loss(fake_logits, restored, clean, l1_weight):
        adversarial_term, l1_term = tf.reduce_mean(adversarial(fake_logits)), reduce(l1(restored - clean))
        if weight_on_adversarial:
            return l1_weight * adversarial_term + l1_term
        return adversarial_term + l1_weight * l1_term

    return loss


def _fast_real_floor(num_windows):
    """A stand-in for the cell's measurement: the chance gap between two samples shrinks like 1/sqrt(n)."""
    return 0.7 / np.sqrt(num_windows)


WRONG = {
    "10.1": [(lambda windows: windows, "still one sine wave"), (lambda windows: -3.0 * windows[:, ::-1], "real waves"),
             (lambda windows: np.random.default_rng(0).normal(size=windows.shape), "7 cycles or more"),
             (lambda windows: np.repeat(windows.mean(axis=0, keepdims=True), len(windows), axis=0), "nearly all alike"),
             (lambda windows: np.concatenate([windows[:, :16], np.roll(windows, 1, axis=0)[:, 16:]], axis=1),
              "a jump where two pieces meet"),
             (lambda windows: 0.0 * windows, "flat"), (lambda windows: windows[:10], "shape (2000, 32)")],
    "10.2": [(_peak_share(pooled=True), "averaged over the set"), (_peak_share(amplitude=True), "amplitude"),
             (_peak_share(constant=True), "constant (0 cycles) was counted"),
             (_peak_share(neighbours=0), "two neighbours"), (_peak_share(per_window=True), "one share per window"),
             (_peak_share_without_edges, "where they exist")],
    "10.3": [(_restorer_loss(weight_on_adversarial=True), "l1_weight multiplies the adversarial term"),
             (_restorer_loss(adversarial=tf.nn.softplus), "wrong target"),
             (_restorer_loss(adversarial=lambda logits: -tf.nn.softplus(logits)), "saturating"),
             (_restorer_loss(l1=tf.square), "squared error"),
             (_restorer_loss(reduce=lambda x: tf.reduce_sum(x) / x.shape[0]), "summed over the pixels"),
             (_restorer_loss(adversarial=lambda logits: 0.0 * logits), "adversarial term is missing"),
             (_restorer_loss(l1=lambda x: 0.0 * x), "L1 term is missing"),
             (_restorer_loss(adversarial=lambda logits: tf.nn.softplus(-logits[:, 0, 0, 0])), "one patch"),
             (_loss_from_probabilities, "from the logits")],
    "10.4": [((1000, "larger", _fast_real_floor), "factor of 5"),
             ((100, "higher", _fast_real_floor), "one of"),
             ((2.5, "larger", _fast_real_floor), "whole number"),
             ((100, "smaller", _fast_real_floor), "you predicted 'smaller'"),
             ((20000, "larger", _fast_real_floor), "the floor falls"),
             ((100, "about the same", _fast_real_floor), "the floor rises"),
             ((100, "larger", lambda num_windows: 2.0), "between 0 and 1")],
}
ANSWERS = {"10.1": "spectrum_forgery", "10.2": "peak_share", "10.3": "restorer_loss"}
EXPERIMENTS = {"10.4": ("num_windows", "prediction", "real_floor")}  # the setting, prediction and measurement


@pytest.fixture(scope="module")
def solved():
    return solved_names("10")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    if exercise_id in EXPERIMENTS:  # the learner's setting, prediction and measurement, written out in the cell
        answer = tuple(solved[name] for name in EXPERIMENTS[exercise_id])
        gap = (..., ..., _fast_real_floor)
    else:
        answer, gap = solved[ANSWERS[exercise_id]], None
    assert_check_contract(exercise_id, answer, WRONG[exercise_id], capsys, monkeypatch, gap=gap)
