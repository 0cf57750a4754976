"""Each loss against values computed by hand from its formula, and the expert's squared slope (R1/R2)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from ganlib import losses

REAL = tf.constant([[2.0], [-1.0]])
FAKE = tf.constant([[0.5], [-3.0]])


def softplus(x):
    """log(1 + e^x), written out in NumPy."""
    return np.logaddexp(0.0, x)


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
        # the expert rates real i above forgery i, the forger forgery i above real i (pair by pair)
        "relativistic": (softplus(f - r), softplus(r - f)),
    }
    for name, (d_expected, g_expected) in cases.items():
        np.testing.assert_allclose(losses.discriminator_loss(name, REAL, FAKE).numpy(), d_expected, rtol=1e-6)
        np.testing.assert_allclose(losses.generator_loss(name, FAKE, REAL).numpy(), g_expected, rtol=1e-6)


def test_the_relativistic_losses_pair_each_real_score_with_its_forgery():
    # scores of shape (batch,) or (batch, 1); a swapped or shuffled pairing gives other numbers
    r, f = np.array([3.0, -2.0, 0.25, 40.0]), np.array([-1.0, 1.5, 0.25, -40.0])
    expert = losses.discriminator_loss("relativistic", tf.constant(r[:, None]), tf.constant(f)).numpy()
    forger = losses.generator_loss("relativistic", tf.constant(f[:, None]), tf.constant(r)).numpy()
    np.testing.assert_allclose(expert, softplus(f - r), rtol=1e-6)
    np.testing.assert_allclose(forger, softplus(r - f), rtol=1e-6)
    assert expert[2] == pytest.approx(math.log(2.0)) == forger[2]  # a tie: -log sigmoid(0)
    # only differences count: shifting every score by the same amount changes nothing
    shifted = losses.discriminator_loss("relativistic", tf.constant(r + 7.0), tf.constant(f + 7.0)).numpy()
    np.testing.assert_allclose(shifted, expert, rtol=1e-5)
    entry = losses.get("relativistic")
    assert entry.relativistic and not entry.probability and not entry.label_smoothing
    assert entry.decision_threshold is None
    assert [name for name, loss in losses.LOSSES.items() if loss.relativistic] == ["relativistic"]


def test_the_other_forgers_ignore_the_real_scores():
    for name, loss in losses.LOSSES.items():
        if not loss.relativistic:
            np.testing.assert_array_equal(losses.generator_loss(name, FAKE, REAL).numpy(),
                                          losses.generator_loss(name, FAKE).numpy())


def test_the_relativistic_forger_needs_as_many_real_scores_as_forged_ones():
    with pytest.raises(ValueError, match=r"the 'relativistic' loss pairs each forgery with a real sample: "
                                         r"pass real_logits; got None"):
        losses.generator_loss("relativistic", FAKE)
    expected = r"expected as many real scores as forged ones; got 1 real and 2 forged"
    with pytest.raises(ValueError, match=expected):
        losses.generator_loss("relativistic", FAKE, REAL[:1])
    with pytest.raises(ValueError, match=expected):
        losses.discriminator_loss("relativistic", REAL[:1], FAKE)
    with pytest.raises(ValueError, match="label_smoothing applies"):
        losses.discriminator_loss("relativistic", REAL, FAKE, label_smoothing=0.1)


def test_losses_are_per_example_and_finite_for_extreme_logits():
    extreme = tf.constant([[100.0], [-100.0]])
    for name in losses.LOSSES:
        d = losses.discriminator_loss(name, extreme, extreme[::-1]).numpy()
        g = losses.generator_loss(name, extreme, extreme[::-1]).numpy()
        assert d.shape == (2,) and g.shape == (2,)
        assert np.all(np.isfinite(d)) and np.all(np.isfinite(g))


def test_unknown_loss_and_misplaced_smoothing_are_rejected():
    with pytest.raises(ValueError, match="loss must be one of .*got 'vanilla'"):
        losses.generator_loss("vanilla", FAKE)
    with pytest.raises(ValueError, match="label_smoothing applies"):
        losses.discriminator_loss("hinge", REAL, FAKE, label_smoothing=0.1)


# ------------------------------------------------------------------ the expert's squared slope (R1, R2)
def linear_expert(input_shape, seed=0):
    """D(x) = <w, x> + b (a Dense layer, no activation): its gradient is w at every x, ||grad||^2 = ||w||^2."""
    samples = keras.Input(input_shape)
    flat = layers.Flatten()(samples) if len(input_shape) > 1 else samples
    initializer = keras.initializers.RandomNormal(stddev=1.0, seed=seed)
    dense = layers.Dense(1, kernel_initializer=initializer, bias_initializer="ones")
    return keras.Model(samples, dense(flat))


@pytest.mark.parametrize("input_shape", [(3,), (4, 4, 2)], ids=["points", "images"])
def test_the_squared_slope_of_a_linear_expert_is_its_squared_weights(input_shape):
    expert = linear_expert(input_shape)
    kernel, bias = (w.numpy().astype(np.float64) for w in expert.layers[-1].weights)
    samples = np.random.default_rng(1).normal(size=(5, *input_shape)).astype(np.float32)
    scores, slopes = losses.scores_and_squared_slopes(expert, samples)
    assert slopes.shape == (5,) and slopes.dtype == tf.float32
    np.testing.assert_allclose(scores.numpy(), samples.reshape(5, -1) @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(slopes.numpy(), np.full(5, np.sum(kernel**2)), rtol=1e-5)


@pytest.mark.parametrize("input_shape", [(3,), (4, 4, 2)], ids=["points", "images"])
def test_the_squared_slope_of_a_quadratic_expert_changes_with_the_sample(input_shape):
    # D(x) = (<w, x> + b)^2: grad D = 2 (<w, x> + b) w, so ||grad D||^2 = 4 (<w, x> + b)^2 ||w||^2
    linear = linear_expert(input_shape, seed=2)
    samples_in = keras.Input(input_shape)
    expert = keras.Model(samples_in, layers.Activation(keras.ops.square)(linear(samples_in)))
    kernel, bias = (w.numpy().astype(np.float64) for w in linear.layers[-1].weights)
    samples = np.random.default_rng(3).normal(size=(6, *input_shape)).astype(np.float32)
    inner = (samples.reshape(6, -1) @ kernel + bias)[:, 0]
    scores, slopes = losses.scores_and_squared_slopes(expert, tf.constant(samples))
    np.testing.assert_allclose(scores.numpy()[:, 0], inner**2, rtol=1e-5)
    np.testing.assert_allclose(slopes.numpy(), 4 * inner**2 * np.sum(kernel**2), rtol=1e-4)
    assert np.ptp(slopes.numpy()) > 0.1 * np.max(slopes.numpy())  # one value per example, not one per batch


def test_the_squared_slope_is_zero_with_a_finite_gradient_where_the_expert_is_flat():
    # the quadratic expert at <w, x> + b = 0: slope 0, and the penalty's gradient (no square root) is 0, not NaN
    kernel = tf.Variable([[1.0], [-2.0]])
    samples = tf.constant([[2.0, 1.0], [1.0, 0.0]])  # <w, x> = 0 and 1

    def expert(x, training=False):
        return tf.square(tf.matmul(x, kernel))

    with tf.GradientTape() as tape:
        _, slopes = losses.scores_and_squared_slopes(expert, samples)
        at_the_flat_sample = slopes[0]
    np.testing.assert_allclose(slopes.numpy(), [0.0, 4 * 1.0 * 5.0], rtol=1e-6)
    gradient = tape.gradient(at_the_flat_sample, kernel).numpy()
    np.testing.assert_array_equal(gradient, np.zeros((2, 1)))


def test_a_conditional_experts_squared_slope_is_taken_at_the_samples_with_their_labels():
    # D(x, y) = <v_y, x>: the gradient with respect to the sample is the label's vector v_y
    samples_in, labels_in = keras.Input((3,)), keras.Input((), dtype="int32")
    embedding = layers.Embedding(4, 3, embeddings_initializer=keras.initializers.RandomNormal(seed=4))
    expert = keras.Model([samples_in, labels_in], layers.Dot(axes=1)([embedding(labels_in), samples_in]))
    table = embedding.embeddings.numpy().astype(np.float64)
    samples = np.random.default_rng(5).normal(size=(4, 3)).astype(np.float32)
    labels = tf.constant([2, 0, 2, 3], tf.int32)
    scores, slopes = losses.scores_and_squared_slopes(expert, samples, labels)
    rows = table[labels.numpy()]
    np.testing.assert_allclose(scores.numpy()[:, 0], np.sum(rows * samples, axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(slopes.numpy(), np.sum(rows**2, axis=1), rtol=1e-5)
