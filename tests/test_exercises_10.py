"""Exercises of chapter 10: the checks pass the solutions, report empty gaps, and name the usual mistakes."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _spectrum_distance(power=lambda x: np.abs(np.fft.rfft(x, axis=1)) ** 2, half=0.5, per_window=False):
    def distance(windows, reference):
        def mean_spectrum(x):
            spectra = power(x)
            return (spectra / spectra.sum(axis=1, keepdims=True) if per_window else spectra).mean(axis=0)

        a, b = mean_spectrum(windows), mean_spectrum(reference)
        return float(half * np.abs(a / a.sum() - b / b.sum()).sum())

    return distance


def _autocorrelation(centre=True, own_mean=True, overlap=False, set_energy=False, keep_rows=False):
    def autocorrelation(windows, num_lags):
        if centre:
            windows = windows - (windows.mean(axis=1, keepdims=True) if own_mean else windows.mean())
        length, energy = windows.shape[1], np.sum(windows**2, axis=1)
        energy = energy.mean() if set_energy else energy
        rows = []
        for lag in range(num_lags):
            products = np.sum(windows[:, : length - lag] * windows[:, lag:], axis=1) / energy
            rows.append(products * length / (length - lag) if overlap else products)
        per_window = np.stack(rows, axis=1)
        return per_window if keep_rows else per_window.mean(axis=0)

    return autocorrelation


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


WRONG = {
    "10.1": [(_spectrum_distance(power=lambda x: np.abs(np.fft.rfft(x, axis=1))), "*amplitude* spectra"),
             (_spectrum_distance(half=1.0), "twice the distance"),
             (_spectrum_distance(per_window=True), "normalized before averaging"),
             (_spectrum_distance(power=lambda x: np.abs(np.fft.fft(x, axis=1)) ** 2), "np.fft.rfft"),
             (_spectrum_distance(power=lambda x: np.abs(np.fft.rfft(x, axis=0)) ** 2), "time axis")],
    "10.2": [(_autocorrelation(centre=False), "not centred"), (_autocorrelation(own_mean=False), "*own* mean"),
             (_autocorrelation(overlap=True), "overlapping steps"), (_autocorrelation(set_energy=True), "*own* energy"),
             (_autocorrelation(keep_rows=True), "one row per window")],
    "10.3": [(_restorer_loss(weight_on_adversarial=True), "l1_weight multiplies the adversarial term"),
             (_restorer_loss(adversarial=tf.nn.softplus), "wrong target"),
             (_restorer_loss(adversarial=lambda logits: -tf.nn.softplus(logits)), "saturating"),
             (_restorer_loss(l1=tf.square), "squared error"),
             (_restorer_loss(reduce=lambda x: tf.reduce_sum(x) / x.shape[0]), "summed over the pixels"),
             (_restorer_loss(adversarial=lambda logits: 0.0 * logits), "adversarial term is missing"),
             (_restorer_loss(l1=lambda x: 0.0 * x), "L1 term is missing"),
             (_restorer_loss(adversarial=lambda logits: tf.nn.softplus(-logits[:, 0, 0, 0])), "one patch"),
             (_loss_from_probabilities, "from the logits")],
}
ANSWERS = {"10.1": "power_spectrum_distance", "10.2": "mean_autocorrelation", "10.3": "restorer_loss"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("10")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    assert_check_contract(exercise_id, solved[ANSWERS[exercise_id]], WRONG[exercise_id], capsys, monkeypatch)
