"""What the forger must learn to imitate: toy distributions and handwritten digits.

- 1-D mixtures and the 2-D benchmarks of the mode-collapse papers (ring of 8 and grid of
  25 Gaussians, as in VEEGAN and PacGAN), explained in chapters 00 and 03, used in 05-06.
- The bundled 5,000-digit MNIST subset (``data/mnist_5k.npz``), full MNIST through
  tensorflow-datasets for readers who are online, scaling to [-1, 1] and a ``tf.data``
  pipeline; explained in chapters 00 and 04.
"""

from __future__ import annotations

import errno
import pathlib
import socket

import numpy as np
import tensorflow as tf

from ganlib import checks

DATA_DIR = pathlib.Path(__file__).resolve().parent.parent / "data"
BUNDLED_DIGITS = DATA_DIR / "mnist_5k.npz"
DIGIT_SOURCES = ("bundled", "tfds")
DIGIT_SPLITS = ("train", "test", "all")

# --------------------------------------------------------------------------- toy data
#: The ring benchmark: 8 Gaussians on a circle of radius 1, standard deviation 0.01.
RING_RADIUS, RING_STD, RING_MODES = 1.0, 0.01, 8
#: The grid benchmark: 25 Gaussians with means on {-4, -2, 0, 2, 4}^2, standard deviation 0.05.
GRID_VALUES, GRID_STD = (-4.0, -2.0, 0.0, 2.0, 4.0), 0.05
#: The names of the 2-D benchmarks (`sample_ring`, `sample_grid`), as chapters 05-06 and the command line use them.
TOY_DATASETS = ("ring", "grid")


def ring_modes(num_modes: int = RING_MODES, radius: float = RING_RADIUS) -> np.ndarray:
    """Centres of the ring benchmark, shape ``(num_modes, 2)``."""
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype(np.float32)


def grid_modes(values=GRID_VALUES) -> np.ndarray:
    """Centres of the grid benchmark, shape ``(len(values)**2, 2)``."""
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def sample_modes(num_samples: int, modes: np.ndarray, std: float, seed: int | None = None) -> np.ndarray:
    """Equal-weight Gaussian mixture around ``modes`` (shape ``(k, d)``), float32 ``(n, d)``."""
    num_samples = checks.check_positive_int("num_samples", num_samples)
    modes = np.asarray(modes, dtype=np.float32)
    if modes.ndim != 2:
        raise ValueError(f"modes must have shape (num_modes, dims); got {modes.shape}")
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(modes), size=num_samples)
    return (modes[which] + std * rng.standard_normal((num_samples, modes.shape[1]))).astype(np.float32)


def sample_ring(num_samples: int, seed: int | None = None) -> np.ndarray:
    """Samples of the ring of 8 Gaussians (radius 1, std 0.01), shape ``(n, 2)``."""
    return sample_modes(num_samples, ring_modes(), RING_STD, seed)


def sample_grid(num_samples: int, seed: int | None = None) -> np.ndarray:
    """Samples of the 5x5 grid of Gaussians (means on {-4,...,4}^2, std 0.05), shape ``(n, 2)``."""
    return sample_modes(num_samples, grid_modes(), GRID_STD, seed)


def sample_mixture_1d(
    num_samples: int,
    means=(-2.0, 2.0),
    stds=(0.5, 0.5),
    weights=None,
    seed: int | None = None,
) -> np.ndarray:
    """Samples of a 1-D Gaussian mixture, shape ``(n, 1)``; equal weights unless given."""
    num_samples = checks.check_positive_int("num_samples", num_samples)
    means, stds = np.asarray(means, np.float64), np.asarray(stds, np.float64)
    if means.shape != stds.shape or means.ndim != 1:
        raise ValueError(f"means and stds must be 1-D and of one length; got {means.shape} and {stds.shape}")
    weights = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, np.float64)
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be {len(means)} non-negative numbers summing to 1; got {weights}")
    rng = np.random.default_rng(seed)
    which = rng.choice(len(means), size=num_samples, p=weights)
    return (means[which] + stds[which] * rng.standard_normal(num_samples)).astype(np.float32)[:, None]


def mixture_1d_density(x, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None) -> np.ndarray:
    """The density of `sample_mixture_1d`'s mixture at points ``x`` (for plots and the optimal expert)."""
    x = np.asarray(x, np.float64)[..., None]
    means, stds = np.asarray(means, np.float64), np.asarray(stds, np.float64)
    weights = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, np.float64)
    parts = weights * np.exp(-0.5 * ((x - means) / stds) ** 2) / (stds * np.sqrt(2.0 * np.pi))
    return parts.sum(axis=-1)


# ------------------------------------------------------------------------------ digits
def scale_images(images) -> np.ndarray:
    """uint8 images in 0..255 to float32 in [-1, 1], with a channel axis: ``(n, 28, 28, 1)``."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"scale_images expects raw uint8 images in 0..255; got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (n, height, width) or (n, height, width, 1); got {images.shape}")
    return images.astype(np.float32) / 127.5 - 1.0


def unscale_images(images) -> np.ndarray:
    """float images in [-1, 1] back to uint8 in 0..255 (values outside are clipped)."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _split_indices(labels: np.ndarray, split: str) -> np.ndarray:
    """A fixed split of the bundled digits: every fifth image of each digit is held out (1,000 in all)."""
    rank_within_digit = np.zeros(len(labels), dtype=np.int64)
    for digit in np.unique(labels):
        where = np.flatnonzero(labels == digit)
        rank_within_digit[where] = np.arange(len(where))
    held_out = rank_within_digit % 5 == 4
    if split == "test":
        return np.flatnonzero(held_out)
    if split == "train":
        return np.flatnonzero(~held_out)
    return np.arange(len(labels))


def load_digits(source: str = "bundled", split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits as raw ``uint8`` images ``(n, 28, 28)`` and ``uint8`` labels ``(n,)``.

    ``source="bundled"`` (default): the 5,000-digit MNIST subset shipped in ``data/``
    (500 per digit); ``split`` is "train" (4,000), "test" (1,000 held out, 100 per digit)
    or "all". ``source="tfds"``: full MNIST (60,000 train, 10,000 test) from
    tensorflow-datasets, which downloads it once and needs internet for that. If the
    download fails, this raises an error that says why (a missing module, no network, or
    the error itself); it never falls back silently.
    """
    if source not in DIGIT_SOURCES:
        raise ValueError(f"source must be one of {DIGIT_SOURCES}; got {source!r}")
    if split not in DIGIT_SPLITS:
        raise ValueError(f"split must be one of {DIGIT_SPLITS}; got {split!r}")
    if source == "tfds":
        return _load_tfds_mnist(split)
    if not BUNDLED_DIGITS.exists():
        raise FileNotFoundError(
            f"the bundled digits are missing: expected {BUNDLED_DIGITS}. "
            "Regenerate them with `python scripts/make_data.py` (see data/README.md)."
        )
    with np.load(BUNDLED_DIGITS) as archive:
        images, labels = archive["images"], archive["labels"]
    keep = _split_indices(labels, split)
    return images[keep], labels[keep]


def _load_tfds_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    tfds_split = {"train": "train", "test": "test", "all": "train+test"}[split]
    try:
        import tensorflow_datasets as tfds

        # batches of 8192 rather than batch_size=-1, which aborts the process under tfds.testing.mock_data
        dataset = tfds.load("mnist", split=tfds_split, as_supervised=True).batch(8192)
        batches = list(tfds.as_numpy(dataset))
    except Exception as error:
        raise _tfds_failure(error) from error
    images = np.concatenate([images for images, _ in batches])
    labels = np.concatenate([labels for _, labels in batches])
    return images[..., 0].astype(np.uint8), labels.astype(np.uint8)


#: errno values of a network that cannot be reached (an OSError with one of these, or with none, is the network's)
_NETWORK_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENETUNREACH", "ENETDOWN", "EHOSTUNREACH", "EHOSTDOWN", "ECONNREFUSED", "ECONNRESET",
                 "ECONNABORTED", "ETIMEDOUT")
    if hasattr(errno, name)
)


def _causes(error: BaseException):
    """The error and the errors it was raised from or while handling, outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _is_network_failure(error: BaseException) -> bool:
    """True when ``error`` is a network that cannot be reached: DNS, refused or timed-out connections."""
    import urllib.error

    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror, socket.herror, urllib.error.URLError)):
        return True
    try:
        import requests
    except ImportError:
        requests = None
    if requests is not None and isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return True
    # what sockets raise without a more specific class, e.g. [Errno 101] Network is unreachable
    return type(error) is OSError and (error.errno is None or error.errno in _NETWORK_ERRNOS)


def _tfds_failure(error: Exception) -> Exception:
    """What went wrong on the way to full MNIST through tensorflow-datasets, said as what it is (chapters 00, 04).

    A missing module is an installation problem (``pip install -r requirements.txt``), a network
    that cannot be reached is being offline (the bundled digits then), and anything else is
    reported with its own type and message, never as being offline.
    """
    causes = list(_causes(error))
    missing = next((cause for cause in causes if isinstance(cause, ImportError)), None)
    if missing is not None:
        module = missing.name or str(missing)
        return type(missing)(
            f"full MNIST through tensorflow-datasets needs the module {module!r}, which could not be imported "
            f"({type(missing).__name__}: {missing}). This is an installation problem, not a network one: "
            "install the course's requirements with `pip install -r requirements.txt`.",
            name=missing.name,
        )
    if any(_is_network_failure(cause) for cause in causes):
        return RuntimeError(
            "could not load full MNIST through tensorflow-datasets: it downloads about 11 MB on first use "
            f"and needs internet for that, and the network could not be reached ({type(error).__name__}: "
            f"{error}). You seem to be offline: use the bundled digits, load_digits(source='bundled')."
        )
    return RuntimeError(
        f"could not load full MNIST through tensorflow-datasets, and not for want of a network: "
        f"{type(error).__name__}: {error}"
    )


def make_dataset(
    samples,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
    labels=None,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline over samples already scaled for the game: cache, shuffle, batch, prefetch.

    Batches have a fixed size (``drop_remainder=True``) so the training step is traced once.
    The pipeline runs without tf.data's autotuner (`without_autotuning`; chapter 11 explains why).
    With ``labels`` (integers, one per sample) the batches are ``(samples, labels)`` pairs, with
    the labels as int32, for a conditional GAN (chapter 08).
    """
    samples = np.asarray(samples)
    batch_size = checks.check_positive_int("batch_size", batch_size)
    if len(samples) < batch_size and drop_remainder:
        raise ValueError(
            f"need at least one full batch: batch_size={batch_size} but only {len(samples)} samples"
        )
    if labels is not None:
        labels = checks.check_labels(labels, None, len(samples))
    elements = samples if labels is None else (samples, labels.astype(np.int32))
    dataset = tf.data.Dataset.from_tensor_slices(elements).cache()
    if shuffle:
        dataset = dataset.shuffle(len(samples), seed=seed, reshuffle_each_iteration=True)
    return without_autotuning(dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(PREFETCH_BATCHES))


#: batches prepared ahead of the training step; samples in memory need no more (chapter 11)
PREFETCH_BATCHES = 2


def without_autotuning(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """The same dataset with tf.data's autotuner switched off.

    The autotuner's background thread wakes after 10, 20, 40, ... ms, and when ``fit()`` ends
    (or an epoch ends and its iterator is dropped) TensorFlow 2.21 waits for the next wake-up,
    which can cost as much time as the steps themselves. Samples held in memory gain nothing
    from autotuning, so the course's pipelines go without it. Explained in chapter 11.
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"without_autotuning expects a tf.data.Dataset; got {type(dataset).__name__}")
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
