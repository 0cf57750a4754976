"""Each loss against values computed by hand from its formula."""

import math

import numpy as np
import pytest
import tensorflow as tf

from ganlib import losses

REAL = tf.constant([[2.0], [-1.0]])
FAKE = tf.constant([[0.5], [-3.0]])


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def bce(target, logit):
    p = sigmoid(logit)
    return -(target * math.log(p) + (1 - target) * math.log(1 - p))


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_probability_losses_discriminator_is_binary_cross_entropy(name):
    expected = [bce(1, 2.0) + bce(0, 0.5), bce(1, -1.0) + bce(0, -3.0)]
    got = losses.discriminator_loss(name, REAL, FAKE).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_one_sided_label_smoothing_changes_only_the_real_target():
    expected = [bce(0.9, 2.0) + bce(0, 0.5), bce(0.9, -1.0) + bce(0, -3.0)]
    got = losses.discriminator_loss("non_saturating", REAL, FAKE, label_smoothing=0.1).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_minimax_generator_minimizes_log_one_minus_d():
    expected = [math.log(1 - sigmoid(0.5)), math.log(1 - sigmoid(-3.0))]
    np.testing.assert_allclose(losses.generator_loss("minimax", FAKE).numpy(), expected, rtol=1e-6)


def test_non_saturating_generator_minimizes_minus_log_d():
    expected = [-math.log(sigmoid(0.5)), -math.log(sigmoid(-3.0))]
    np.testing.assert_allclose(losses.generator_loss("non_saturating", FAKE).numpy(), expected, rtol=1e-6)


def test_the_minimax_gradient_vanishes_where_the_non_saturating_one_does_not():
    confidently_rejected = tf.Variable([[-8.0]])
    gradients = {}
    for name in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(losses.generator_loss(name, confidently_rejected))
        gradients[name] = abs(float(tape.gradient(loss, confidently_rejected)[0, 0]))
    assert gradients["minimax"] < 1e-3 < 0.99 < gradients["non_saturating"]


def test_other_losses_match_their_formulas():
    r, f = np.array([2.0, -1.0]), np.array([0.5, -3.0])
    cases = {
        "wasserstein": (f - r, -f),
        "hinge": (np.maximum(0, 1 - r) + np.maximum(0, 1 + f), -f),
        "least_squares": (0.5 * (r - 1) ** 2 + 0.5 * f**2, 0.5 * (f - 1) ** 2),
    }
    for name, (d_expected, g_expected) in cases.items():
        np.testing.assert_allclose(losses.discriminator_loss(name, REAL, FAKE).numpy(), d_expected, rtol=1e-6)
        np.testing.assert_allclose(losses.generator_loss(name, FAKE).numpy(), g_expected, rtol=1e-6)


def test_losses_are_per_example_and_finite_for_extreme_logits():
    extreme = tf.constant([[100.0], [-100.0]])
    for name in losses.LOSSES:
        d = losses.discriminator_loss(name, extreme, extreme).numpy()
        g = losses.generator_loss(name, extreme).numpy()
        assert d.shape == (2,) and g.shape == (2,)
        assert np.all(np.isfinite(d)) and np.all(np.isfinite(g))


def test_unknown_loss_and_misplaced_smoothing_are_rejected():
    with pytest.raises(ValueError, match="loss must be one of .*got 'vanilla'"):
        losses.generator_loss("vanilla", FAKE)
    with pytest.raises(ValueError, match="label_smoothing applies"):
        losses.discriminator_loss("hinge", REAL, FAKE, label_smoothing=0.1)
