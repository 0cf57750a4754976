"""Judging forged digits offline: numbers computed on a small digit classifier trained in this repo.

No Inception weights to download: ``data/digit_classifier.keras`` (made by
``scripts/train_digit_classifier.py``) plays the judge. Its 128-unit ``features`` layer gives the
features, its softmax the class probabilities.

- On features: `frechet_distance` (FID's formula), `precision` and `recall` (Kynkäänniemi et
  al. 2019), both at once with `precision_recall`.
- On probabilities: `classifier_score` (the Inception score's formula), `class_coverage`,
  `kl_to_uniform`.
- On pixels: `memorization_ratios` and `memorized_fraction` (is each forgery much closer to
  a training image than to any held-out one?).
- `evaluate_digits` gives all the headline numbers at once (the digits command line writes
  them to ``metrics.json``); `MetricsCallback` tracks them during ``fit()``.

Explained in chapter 07.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import rel_entr

from ganlib import checks, data

CLASSIFIER_PATH = data.DATA_DIR / "digit_classifier.keras"
FEATURE_LAYER = "features"
IMAGE_SHAPE = (28, 28, 1)


# ------------------------------------------------------------------------- the judge
@functools.lru_cache(maxsize=1)
def load_digit_classifier() -> keras.Model:
    """The bundled digit classifier, loaded once: images ``(n, 28, 28, 1)`` in [-1, 1] -> 10 probabilities."""
    if not CLASSIFIER_PATH.exists():
        raise FileNotFoundError(
            f"the digit classifier is missing: expected {CLASSIFIER_PATH}. "
            "Regenerate it with `python scripts/train_digit_classifier.py` (see data/README.md)."
        )
    return keras.models.load_model(CLASSIFIER_PATH)


@functools.lru_cache(maxsize=1)
def _features_and_probabilities_model() -> keras.Model:
    classifier = load_digit_classifier()
    return keras.Model(
        classifier.inputs[0], [classifier.get_layer(FEATURE_LAYER).output, classifier.outputs[0]]
    )


def check_images(images, name: str = "images") -> np.ndarray:
    """Digit images as float32 ``(n, 28, 28, 1)`` in [-1, 1]; ``(n, 28, 28)`` gets its channel axis."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        raise ValueError(
            f"{name} must be floats in [-1, 1], as the forger paints them; got uint8 images. "
            "Scale raw images with ganlib.data.scale_images(images)."
        )
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE or len(images) == 0:
        raise ValueError(f"{name} must have shape (n, 28, 28, 1) with n >= 1; got {images.shape}")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{name} must be floats in [-1, 1]; got dtype {images.dtype}")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} must be finite; got NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if low < -1.0 - 1e-3 or high > 1.0 + 1e-3:
        raise ValueError(f"{name} must lie in [-1, 1]; got values {low:.3g}..{high:.3g}")
    return images


def digit_features_and_probabilities(images, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """One pass of the classifier: features ``(n, 128)`` and probabilities ``(n, 10)``, float64."""
    images = check_images(images)
    features, probabilities = _features_and_probabilities_model().predict(
        images, batch_size=batch_size, verbose=0
    )
    return features.astype(np.float64), probabilities.astype(np.float64)


def digit_features(images, batch_size: int = 500) -> np.ndarray:
    """The classifier's ``features`` layer (128 ReLU units) for each image, shape ``(n, 128)``."""
    return digit_features_and_probabilities(images, batch_size)[0]


def digit_probabilities(images, batch_size: int = 500) -> np.ndarray:
    """The classifier's probabilities of the 10 digits for each image, shape ``(n, 10)``."""
    return digit_features_and_probabilities(images, batch_size)[1]


# ------------------------------------------------------------------- Fréchet distance
def _check_features(features, name: str, min_rows: int) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (num_samples, num_features); got {features.shape}")
    if len(features) < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} samples; got {len(features)}")
    if not np.all(np.isfinite(features)):
        raise ValueError(f"{name} must be finite; got NaN or infinite values")
    return features


def _check_same_width(features_a: np.ndarray, features_b: np.ndarray) -> None:
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            f"both sets need features of the same width; got {features_a.shape[1]} and {features_b.shape[1]}"
        )


def _symmetric_square_root(matrix: np.ndarray, name: str) -> np.ndarray:
    """The PSD square root of a symmetric PSD matrix through its eigendecomposition."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    scale = max(float(np.abs(eigenvalues).max()), 1e-300)
    if eigenvalues.min() < -1e-8 * scale:
        raise ValueError(
            f"{name} must be positive semi-definite; got an eigenvalue {eigenvalues.min():.3g} "
            f"(largest {scale:.3g})"
        )
    # rounding leaves tiny negative eigenvalues where the true ones are 0
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def gaussian_frechet_distance(mean_a, covariance_a, mean_b, covariance_b) -> float:
    """Fréchet distance between N(mean_a, covariance_a) and N(mean_b, covariance_b).

    ``|mean_a - mean_b|^2 + tr(A) + tr(B) - 2 tr((A B)^(1/2))``, with the trace of
    ``(A B)^(1/2)`` computed as that of the symmetric ``(A^(1/2) B A^(1/2))^(1/2)`` (same eigenvalues).
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    covariance_a, covariance_b = np.asarray(covariance_a, np.float64), np.asarray(covariance_b, np.float64)
    width = mean_a.shape[0] if mean_a.ndim == 1 else None
    for name, mean, covariance in (("a", mean_a, covariance_a), ("b", mean_b, covariance_b)):
        if mean.ndim != 1 or covariance.shape != (width, width):
            raise ValueError(
                f"mean_{name} must have shape (d,) and covariance_{name} shape (d, d) with the same d as "
                f"mean_a {mean_a.shape}; got {mean.shape} and {covariance.shape}"
            )
        tolerance = 1e-9 * max(float(np.abs(covariance).max()), 1.0)
        if not np.allclose(covariance, covariance.T, rtol=1e-6, atol=tolerance):
            raise ValueError(f"covariance_{name} must be symmetric; it is not")
    root_a = _symmetric_square_root((covariance_a + covariance_a.T) / 2.0, "covariance_a")
    _symmetric_square_root((covariance_b + covariance_b.T) / 2.0, "covariance_b")  # only its check
    middle = root_a @ covariance_b @ root_a
    middle_eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    trace_of_root = float(np.sqrt(np.clip(middle_eigenvalues, 0.0, None)).sum())
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(covariance_a) + np.trace(covariance_b))
    distance -= 2.0 * trace_of_root
    # identical Gaussians give 0 up to rounding (about -1e-12); a distance is never negative
    return max(distance, 0.0)


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of features ``(n, d)`` (FID's formula).

    0 for identical sets; it grows with the gap between the means and between the covariances.
    Each set needs at least 2 samples; the estimate is biased upwards for small sets, so compare
    numbers computed on the same sample sizes.
    """
    features_a = _check_features(features_a, "features_a", 2)
    features_b = _check_features(features_b, "features_b", 2)
    _check_same_width(features_a, features_b)
    return gaussian_frechet_distance(
        features_a.mean(axis=0), np.cov(features_a, rowvar=False).reshape(features_a.shape[1], -1),
        features_b.mean(axis=0), np.cov(features_b, rowvar=False).reshape(features_b.shape[1], -1),
    )


# --------------------------------------------------------------- class probabilities
def _check_probabilities(probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or len(probabilities) == 0 or probabilities.shape[1] < 2:
        raise ValueError(
            f"probabilities must have shape (num_samples, num_classes) with at least one sample and two "
            f"classes; got {probabilities.shape}"
        )
    if np.any(probabilities < 0) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("each row of probabilities must be non-negative and sum to 1 (a softmax output)")
    return probabilities


def classifier_score(probabilities) -> float:
    """The Inception score's formula on our classifier: ``exp(mean KL(p(y|x) || p(y)))``, from 1 to 10.

    High when each forgery is a confident digit (sharp p(y|x)) and the digits are varied
    (flat p(y)). Computed on the whole set at once (no splits).
    """
    probabilities = _check_probabilities(probabilities)
    marginal = probabilities.mean(axis=0, keepdims=True)
    return float(np.exp(rel_entr(probabilities, marginal).sum(axis=-1).mean()))


def class_histogram(probabilities) -> np.ndarray:
    """Share of the samples the classifier calls each digit (argmax), shape ``(num_classes,)``."""
    probabilities = _check_probabilities(probabilities)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    return counts / len(probabilities)


def class_coverage(probabilities, min_share: float = 0.5) -> float:
    """Fraction of the classes that get at least ``min_share`` of their fair share of the samples.

    With 10 digits and the default 0.5, a digit counts as covered when the classifier calls
    at least 5 % of the samples that digit. One repeated digit gives 0.1.
    """
    if not 0.0 < min_share <= 1.0:
        raise ValueError(f"min_share must be in (0, 1]; got {min_share!r}")
    shares = class_histogram(probabilities)
    return float(np.mean(shares >= min_share / len(shares)))


def kl_to_uniform(probabilities) -> float:
    """KL(p(y) || uniform): how far the mean predicted distribution of the digits is from equal shares, in nats.

    0 when the digits come in equal shares; log(10) = 2.30 when every sample is one digit.
    """
    probabilities = _check_probabilities(probabilities)
    marginal = probabilities.mean(axis=0)
    return float(rel_entr(marginal, np.full_like(marginal, 1.0 / len(marginal))).sum())


# -------------------------------------------------------------- precision and recall
def _fraction_inside(reference: np.ndarray, points: np.ndarray, k: int) -> float:
    """Fraction of ``points`` inside the union of balls around each ``reference`` point reaching its k-th neighbour."""
    # the reference point itself sits at distance 0, so its k-th neighbour is at (0-based) position k
    squared_radii = np.partition(cdist(reference, reference, "sqeuclidean"), k, axis=1)[:, k]
    inside = cdist(points, reference, "sqeuclidean") <= squared_radii[None, :]
    return float(np.mean(inside.any(axis=1)))


def _check_neighbour_features(real_features, fake_features, k) -> tuple[np.ndarray, np.ndarray]:
    """Both feature sets as float64, each with more than ``k`` samples and of the same width."""
    k = checks.check_positive_int("k", k)
    real_features = _check_features(real_features, "real_features", k + 1)
    fake_features = _check_features(fake_features, "fake_features", k + 1)
    _check_same_width(real_features, fake_features)
    return real_features, fake_features


def precision(real_features, fake_features, k: int = 3) -> float:
    """Improved precision (Kynkäänniemi et al. 2019): are the forgeries realistic?

    Around each real sample, a ball reaching its k-th nearest real neighbour; their union
    estimates the real manifold. Precision is the fraction of fakes inside it. Each set needs
    more than k samples. Explained in chapter 07.
    """
    real_features, fake_features = _check_neighbour_features(real_features, fake_features, k)
    return _fraction_inside(real_features, fake_features, k)


def recall(real_features, fake_features, k: int = 3) -> float:
    """Improved recall (Kynkäänniemi et al. 2019): do the forgeries cover all the real variety?

    The fraction of real samples inside the fakes' manifold, built as `precision` builds the
    real one: a ball around each fake reaching its k-th nearest fake neighbour. Each set needs
    more than k samples. Explained in chapter 07.
    """
    real_features, fake_features = _check_neighbour_features(real_features, fake_features, k)
    return _fraction_inside(fake_features, real_features, k)


def precision_recall(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """`precision` and `recall` of the forgeries' features against the real ones, a pair of floats (chapter 07)."""
    return precision(real_features, fake_features, k), recall(real_features, fake_features, k)


# ------------------------------------------------------------------------ memorization
def _flat_images(images, name: str) -> np.ndarray:
    return check_images(images, name).reshape(-1, int(np.prod(IMAGE_SHAPE))).astype(np.float64)


def _nearest_distances(points: np.ndarray, references: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Each point's distance to its nearest reference, ``batch_size`` points at a time (to bound memory).

    On 784 pixels this uses |a|^2 + |b|^2 - 2 a.b, one matrix product (BLAS), where
    ``scipy.spatial.distance.cdist`` loops in plain C about nine times slower. Rounding leaves
    identical images about 1e-12 apart relative to their norms; those distances are set to 0, so
    an exact copy has distance 0.
    """

    def nearest(batch: np.ndarray) -> np.ndarray:
        batch_norm, reference_norm = np.sum(batch**2, axis=1)[:, None], np.sum(references**2, axis=1)[None, :]
        squared = batch_norm + reference_norm - 2.0 * batch @ references.T
        squared[squared < 1e-10 * (batch_norm + reference_norm)] = 0.0
        return np.sqrt(squared.min(axis=1))

    return np.concatenate([nearest(points[start : start + batch_size]) for start in range(0, len(points), batch_size)])


def memorization_ratios(samples, training_images, held_out_images) -> np.ndarray:
    """For each sample: pixel distance to its nearest training image / to its nearest held-out image.

    A forger that learned the digits paints images about as close to held-out digits as to the
    training digits it saw (ratio near 1); one that copies training images gives ratios near 0.
    A sample equal to a held-out image (distance 0) gets ``inf``, or 1 if it also equals a
    training image.
    """
    samples = _flat_images(samples, "samples")
    to_training = _nearest_distances(samples, _flat_images(training_images, "training_images"))
    to_held_out = _nearest_distances(samples, _flat_images(held_out_images, "held_out_images"))
    ratios = np.divide(to_training, to_held_out, out=np.full_like(to_training, np.inf), where=to_held_out > 0)
    ratios[(to_training == 0) & (to_held_out == 0)] = 1.0
    return ratios


def memorized_fraction(samples, training_images, held_out_images, threshold: float = 0.5) -> float:
    """Fraction of samples whose `memorization_ratios` are below ``threshold``: copies, most likely.

    Unseen real digits rarely fall below the default 0.5. Explained in chapter 07.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1); got {threshold!r}")
    return float(np.mean(memorization_ratios(samples, training_images, held_out_images) < threshold))


# --------------------------------------------------------------------- all at once
@functools.lru_cache(maxsize=1)
def _references() -> dict:
    """The real digits every evaluation compares with, and the held-out digits' features (computed once)."""
    training_images = data.scale_images(data.load_digits(split="train")[0])
    held_out_images = data.scale_images(data.load_digits(split="test")[0])
    held_out_features, _ = digit_features_and_probabilities(held_out_images)
    return {"training": training_images, "held_out": held_out_images, "held_out_features": held_out_features}


def _is_gan(model) -> bool:
    """True for a `ganlib.GAN` (a Keras model with a ``generator`` and a ``generate`` method)."""
    return isinstance(model, keras.Model) and hasattr(model, "generator") and callable(getattr(model, "generate", None))


def draw_images(generator_or_images, num_samples: int, seed: int = 0) -> np.ndarray:
    """``num_samples`` images from a `GAN`, a generator model (standard-normal latents) or an array.

    From a `GAN`: ``gan.generate(num_samples, seed=seed)``. From a generator model: its
    ``predict`` on latent vectors drawn as ``gan.generate`` draws them, so the same ``seed``
    gives the same images. From an array: a seeded draw without replacement of
    ``num_samples`` of its images. Explained in chapter 07.
    """
    num_samples = checks.check_positive_int("num_samples", num_samples)
    if _is_gan(generator_or_images):
        return check_images(generator_or_images.generate(num_samples, seed=seed), "the forger's images")
    if isinstance(generator_or_images, keras.Model):
        input_shape = tuple(generator_or_images.input_shape)
        if len(input_shape) != 2 or input_shape[1] is None:
            raise ValueError(f"the generator must take latent vectors (batch, latent_dim); got {input_shape}")
        latent = keras.random.normal((num_samples, input_shape[1]), seed=seed)
        images = generator_or_images.predict(latent, batch_size=500, verbose=0)
        return check_images(images, "the generator's images")
    if isinstance(generator_or_images, (list, tuple)) or hasattr(generator_or_images, "__array__"):
        images = check_images(generator_or_images)
        if len(images) < num_samples:
            raise ValueError(f"asked for num_samples={num_samples} but only {len(images)} images were given")
        return images[np.random.default_rng(seed).choice(len(images), num_samples, replace=False)]
    raise ValueError(
        "expected a ganlib.GAN, a generator keras.Model or an array of images (n, 28, 28, 1); "
        f"got {type(generator_or_images).__name__}"
    )


def evaluate_digits(generator_or_images, num_samples: int = 1000, seed: int = 0) -> dict[str, float]:
    """All the headline numbers for ``num_samples`` forged digits, as a JSON-ready dict.

    The real reference is the 1,000 held-out digits (features for the Fréchet distance and
    precision/recall); the memorization check compares with the 4,000 training digits.
    """
    images = draw_images(generator_or_images, num_samples, seed)
    features, probabilities = digit_features_and_probabilities(images)
    references = _references()
    held_out = references["held_out_features"]
    return {
        "num_samples": int(num_samples),
        "frechet_distance": frechet_distance(held_out, features),
        "classifier_score": classifier_score(probabilities),
        "class_coverage": class_coverage(probabilities),
        "kl_to_uniform": kl_to_uniform(probabilities),
        "precision": precision(held_out, features, k=3),
        "recall": recall(held_out, features, k=3),
        "memorized_fraction": memorized_fraction(images, references["training"], references["held_out"]),
    }


class MetricsCallback(keras.callbacks.Callback):
    """Every ``every`` epochs, judge the forger with `evaluate_digits` on the same latent vectors.

    The numbers go into the epoch's ``logs`` (so a ``keras.callbacks.TensorBoard`` placed after
    this callback writes them, and ``fit()``'s history keeps them) and into ``self.history``, a
    list of dicts with the epoch; the untrained forger is judged too, as epoch 0. The first
    ``num_images_kept`` judged images of each evaluation are kept in ``self.images``.
    It judges the forger's current weights (not a moving average kept by another callback).
    """

    def __init__(self, every: int = 1, num_samples: int = 500, seed: int = 0, num_images_kept: int = 36,
                 verbose: bool = False):
        super().__init__()
        self.every = checks.check_positive_int("every", every)
        self.num_samples, self.seed, self.verbose = num_samples, seed, verbose
        self.num_images_kept = num_images_kept
        self.history: list[dict] = []
        self.images: list[np.ndarray] = []

    def _judge(self, epoch: int) -> dict:
        if not _is_gan(self.model):
            raise ValueError(f"MetricsCallback judges a ganlib.GAN's forger; got {type(self.model).__name__}")
        images = draw_images(self.model.generator, self.num_samples, self.seed)
        results = evaluate_digits(images, self.num_samples, self.seed)
        self.history.append({"epoch": epoch, **results})
        self.images.append(images[: self.num_images_kept])
        if self.verbose:
            shown = ", ".join(f"{key} {value:.3g}" for key, value in results.items() if key != "num_samples")
            print(f"epoch {epoch}: {shown}")
        return results

    def on_train_begin(self, logs=None):
        if not self.history:
            self._judge(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            results = self._judge(epoch + 1)
            if logs is not None:
                logs.update({key: value for key, value in results.items() if key != "num_samples"})
