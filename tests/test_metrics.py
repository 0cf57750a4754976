"""The metrics of chapter 07 on cases with known answers, and against independent computations.

Tolerances: closed forms to 1e-9 relative (pure rounding); scipy's ``sqrtm`` to 1e-6 relative
(its Schur iteration is less exact than an eigendecomposition); sampled Gaussians to 0.1
(sampling error of 20,000 draws, about 0.03 here); set fractions exactly.
"""

import json
import math

import keras
import numpy as np
import pytest
import scipy.linalg
import scipy.spatial
import scipy.stats
import tensorflow as tf

from ganlib import data, metrics, recipes


def correlated_features(num_samples, width, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((width, width)) / math.sqrt(width)
    return rng.standard_normal((num_samples, width)) @ mixing + shift


def frechet_distance_with_scipy(features_a, features_b):
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a, cov_b = np.cov(features_a, rowvar=False), np.cov(features_b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(root))


# ------------------------------------------------------------------- Fréchet distance
def test_gaussian_frechet_distance_matches_its_closed_form():
    rng = np.random.default_rng(0)
    mean_a, mean_b = rng.standard_normal(5), rng.standard_normal(5)
    # diagonal covariances commute: the distance is |mean_a - mean_b|^2 + sum (sqrt(a_i) - sqrt(b_i))^2
    variances_a, variances_b = rng.uniform(0.1, 3.0, 5), rng.uniform(0.1, 3.0, 5)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(variances_a) - np.sqrt(variances_b)) ** 2)
    got = metrics.gaussian_frechet_distance(mean_a, np.diag(variances_a), mean_b, np.diag(variances_b))
    assert got == pytest.approx(expected, rel=1e-9)
    # a shared (non-diagonal) covariance: only the means count
    covariance = np.cov(correlated_features(50, 5, seed=1), rowvar=False)
    got = metrics.gaussian_frechet_distance(mean_a, covariance, mean_b, covariance)
    assert got == pytest.approx(np.sum((mean_a - mean_b) ** 2), rel=1e-9)


def test_frechet_distance_of_identical_sets_is_zero_and_never_negative():
    features = correlated_features(300, 16, seed=2)
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-9)
    # fewer samples than features: singular covariances, where rounding gives negatives
    few = correlated_features(10, 16, seed=3)
    assert 0.0 <= metrics.frechet_distance(few, few) < 1e-9


def test_frechet_distance_of_shifted_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(4)
    shift = np.array([1.0, -2.0, 0.5, 0.0])  # same covariance (identity): distance = |shift|^2 = 5.25
    features_a = rng.standard_normal((20_000, 4))
    features_b = rng.standard_normal((20_000, 4)) + shift
    assert metrics.frechet_distance(features_a, features_b) == pytest.approx(5.25, abs=0.1)
    # scaling one set by 2: closed form |shift|^2 + 4 * (2 - 1)^2 = 9.25
    assert metrics.frechet_distance(features_a, 2.0 * features_b) == pytest.approx(4 * 5.25 + 4, abs=0.3)


@pytest.mark.parametrize("width", [2, 16, 64])
def test_frechet_distance_matches_scipy_sqrtm(width):
    features_a = correlated_features(500, width, seed=5)
    features_b = 1.5 * correlated_features(400, width, seed=6, shift=0.3)
    expected = frechet_distance_with_scipy(features_a, features_b)
    assert metrics.frechet_distance(features_a, features_b) == pytest.approx(expected, rel=1e-6)
    assert metrics.frechet_distance(features_b, features_a) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_rejects_bad_input():
    features = np.zeros((10, 4))
    with pytest.raises(ValueError, match="same width; got 4 and 3"):
        metrics.frechet_distance(features, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="at least 2 samples; got 1"):
        metrics.frechet_distance(features, np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"2-D array .* got \(10,\)"):
        metrics.frechet_distance(np.zeros(10), features)
    with pytest.raises(ValueError, match="finite"):
        metrics.frechet_distance(features, np.full((10, 4), np.nan))
    with pytest.raises(ValueError, match="positive semi-definite"):
        metrics.gaussian_frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2))


# --------------------------------------------------------------- class probabilities
def test_classifier_score_kl_and_coverage_on_known_cases():
    one_hot_all_digits = np.eye(10)[np.arange(1000) % 10]
    one_hot_one_digit = np.eye(10)[np.full(1000, 3)]
    undecided = np.full((1000, 10), 0.1)
    assert metrics.classifier_score(one_hot_all_digits) == pytest.approx(10.0, rel=1e-12)
    assert metrics.classifier_score(one_hot_one_digit) == pytest.approx(1.0, rel=1e-12)
    assert metrics.classifier_score(undecided) == pytest.approx(1.0, rel=1e-12)
    assert metrics.kl_to_uniform(one_hot_all_digits) == pytest.approx(0.0, abs=1e-12)
    assert metrics.kl_to_uniform(one_hot_one_digit) == pytest.approx(math.log(10), rel=1e-12)
    assert metrics.class_coverage(one_hot_all_digits) == 1.0
    assert metrics.class_coverage(one_hot_one_digit) == 0.1
    # a digit is covered from half its fair share on: 5 % of the samples counts, 4.9 % does not
    labels = np.concatenate([np.full(50, 0), np.full(49, 1), np.full(901, 2)])
    assert metrics.class_coverage(np.eye(10)[labels]) == 0.2


def test_classifier_score_and_kl_match_scipy_entropy():
    probabilities = np.random.default_rng(7).dirichlet(np.full(10, 0.3), size=400)
    marginal = probabilities.mean(axis=0)
    expected_score = math.exp(np.mean([scipy.stats.entropy(row, marginal) for row in probabilities]))
    assert metrics.classifier_score(probabilities) == pytest.approx(expected_score, rel=1e-10)
    assert metrics.kl_to_uniform(probabilities) == pytest.approx(
        scipy.stats.entropy(marginal, np.full(10, 0.1)), rel=1e-10
    )


def test_probability_metrics_reject_what_is_not_a_softmax():
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.classifier_score(np.ones((5, 10)))
    with pytest.raises(ValueError, match=r"\(num_samples, num_classes\).*got \(10,\)"):
        metrics.kl_to_uniform(np.full(10, 0.1))


# -------------------------------------------------------------- precision and recall
def test_precision_recall_of_identical_sets_is_one_and_of_disjoint_supports_zero():
    features = correlated_features(200, 8, seed=8)
    assert metrics.precision_recall(features, features, k=3) == (1.0, 1.0)
    assert metrics.precision_recall(features, features + 100.0, k=3) == (0.0, 0.0)


def test_precision_recall_when_the_fakes_cover_half_the_real_support():
    rng = np.random.default_rng(9)
    real = np.concatenate([rng.standard_normal((150, 2)), rng.standard_normal((150, 2)) + 50.0])
    fake = rng.standard_normal((300, 2))  # all in the first cluster: realistic, but half the variety
    precision, recall = metrics.precision_recall(real, fake, k=3)
    assert precision > 0.95  # all but the fakes beyond the real cluster's edge
    # at most the 150 real points of the first cluster; a few at its edge lie outside the fakes' balls
    assert 0.45 < recall <= 0.5


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_matches_a_kd_tree(k):
    real, fake = correlated_features(300, 6, seed=10), correlated_features(250, 6, seed=11, shift=0.4)

    def fraction_inside(points, centres):
        radii = scipy.spatial.cKDTree(centres).query(centres, k=k + 1)[0][:, k]
        distances = scipy.spatial.distance.cdist(points, centres)
        return float(np.mean((distances <= radii).any(axis=1)))

    expected = (fraction_inside(fake, real), fraction_inside(real, fake))
    assert metrics.precision_recall(real, fake, k=k) == expected
    assert 0.05 < expected[0] < 0.95 and 0.05 < expected[1] < 0.95  # a case where both are in play


def test_precision_recall_rejects_too_few_samples_and_mismatched_widths():
    with pytest.raises(ValueError, match="at least 4 samples; got 3"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((3, 2)), k=3)
    with pytest.raises(ValueError, match="same width; got 2 and 5"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((10, 5)))


# ------------------------------------------------------------------------ memorization
@pytest.fixture(scope="module")
def digits():
    training = data.scale_images(data.load_digits(split="train")[0])
    held_out = data.scale_images(data.load_digits(split="test")[0])
    return training, held_out


def test_memorization_flags_copies_of_training_images_and_not_unseen_digits(digits):
    training, held_out = digits
    rng = np.random.default_rng(12)
    chosen = training[rng.choice(len(training), 200, replace=False)]
    copies = np.clip(chosen + rng.normal(0, 0.1, chosen.shape), -1, 1)
    assert metrics.memorized_fraction(copies, training, held_out) >= 0.97  # measured: 0.995
    # unseen real digits: half the held-out digits, judged against the other half
    unseen, other_half = held_out[::2], held_out[1::2]
    assert metrics.memorized_fraction(unseen, training, other_half) < 0.02
    ratios = metrics.memorization_ratios(training[:5], training, held_out)
    np.testing.assert_array_equal(ratios, 0.0)  # exact copies are at distance 0


def test_check_images_names_what_it_expected():
    with pytest.raises(ValueError, match="uint8 images.*scale_images"):
        metrics.check_images(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"\(n, 28, 28, 1\).*got \(2, 32, 32, 1\)"):
        metrics.check_images(np.zeros((2, 32, 32, 1), np.float32))
    with pytest.raises(ValueError, match=r"\[-1, 1\]; got values 0..255"):
        metrics.check_images(np.linspace(0.0, 255.0, 2 * 28 * 28).reshape(2, 28, 28, 1))


# ------------------------------------------------------------ with the digit classifier
def test_the_classifier_judges_real_digits_near_the_floor_and_one_repeated_digit_at_the_ceiling(digits):
    training, _ = digits
    real = metrics.evaluate_digits(training, num_samples=500, seed=0)
    json.dumps(real)  # JSON-ready for the command line's metrics.json
    assert set(real) == {"num_samples", "frechet_distance", "classifier_score", "class_coverage",
                         "kl_to_uniform", "precision", "recall", "memorized_fraction"}
    assert real["frechet_distance"] < 15 and real["classifier_score"] > 9.5 and real["class_coverage"] == 1.0
    assert real["precision"] > 0.8 and real["recall"] > 0.8
    assert real["memorized_fraction"] == 1.0  # they are the training digits themselves
    repeated = metrics.evaluate_digits(np.repeat(training[:1], 500, axis=0), num_samples=500)
    assert repeated["frechet_distance"] > 50 * real["frechet_distance"]
    assert repeated["classifier_score"] == pytest.approx(1.0, abs=1e-3)
    assert repeated["class_coverage"] == 0.1 and repeated["recall"] == 0.0
    assert repeated["kl_to_uniform"] == pytest.approx(math.log(10), abs=1e-2)
    assert metrics.load_digit_classifier() is metrics.load_digit_classifier()  # loaded once


class KeepLogs(keras.callbacks.Callback):
    """Placed after MetricsCallback, sees the logs a TensorBoard callback there would write."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def train_two_tiny_epochs(callbacks):
    gan = recipes.digits_gan(seed=0, precision="float32", num_clusters=0)
    images = data.scale_images(data.load_digits(split="train")[0][:128])
    history = gan.fit(images, batch_size=64, epochs=2, verbose=0, callbacks=callbacks)
    return gan, history


def test_metrics_callback_puts_the_numbers_into_the_logs_and_its_history():
    judge, later = metrics.MetricsCallback(every=2, num_samples=50, seed=3), KeepLogs()
    gan, history = train_two_tiny_epochs([judge, later])
    assert [entry["epoch"] for entry in judge.history] == [0, 2]  # the untrained forger, then every 2
    assert "frechet_distance" not in later.logs[0]
    assert later.logs[1]["precision"] == judge.history[1]["precision"]
    assert history.history["recall"] == [judge.history[1]["recall"]]
    assert [len(images) for images in judge.images] == [36, 36]
    # judged on the same latent vectors as gan.generate(50, seed=3)
    same = metrics.evaluate_digits(gan, num_samples=50, seed=3)
    assert same == pytest.approx({key: value for key, value in judge.history[-1].items() if key != "epoch"},
                                 rel=1e-6)


def test_metrics_callback_numbers_reach_tensorboard(tmp_path):
    import tensorboard  # noqa: F401  (a requirement: the TensorBoard callback needs it)
    judge = metrics.MetricsCallback(every=1, num_samples=50)
    train_two_tiny_epochs([judge, keras.callbacks.TensorBoard(log_dir=str(tmp_path))])
    tags = set()
    for event_file in (tmp_path / "train").glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(event_file)):
            tags.update(value.tag for value in tf.compat.v1.Event.FromString(record.numpy()).summary.value)
    assert {"epoch_frechet_distance", "epoch_recall", "epoch_memorized_fraction"} <= tags
