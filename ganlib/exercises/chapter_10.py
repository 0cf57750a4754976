"""Checks for the exercises of chapter 10: beyond still images."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, expect_finite, expect_shape, numbers


def _waves(num_waves: int, length: int, seed: int, offsets: bool = False) -> np.ndarray:
    """Sine windows of varied frequency, phase and amplitude, plus noise (and varied offsets, when asked)."""
    rng = np.random.default_rng(seed)
    cycles = rng.uniform(1.0, 6.0, (num_waves, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, (num_waves, 1))
    amplitude = rng.uniform(0.2, 1.5, (num_waves, 1))  # unequal energies: per-window normalizing differs
    steps = np.arange(length)[None, :]
    clean = amplitude * np.sin(2.0 * np.pi * cycles * steps / length + phase)
    noisy = clean + 0.1 * rng.normal(size=clean.shape)
    return noisy + rng.normal(0.6, 0.3, (num_waves, 1)) if offsets else noisy


def _one_number(value, what: str) -> float:
    got = numbers(value, what)
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    return float(got.ravel()[0])


@exercise("10.1", "the spectrum distance between two sets of windows")
def _check_spectrum_distance(spectrum_distance) -> str:
    windows, reference = _waves(300, 32, seed=21), _waves(400, 32, seed=22) * 0.7 + 0.05
    got = _one_number(call(spectrum_distance, windows, reference), "the distance")

    def distance(transform, per_window=False, half=0.5):
        def mean_spectrum(x):
            spectra = transform(x)
            return (spectra / spectra.sum(axis=1, keepdims=True) if per_window else spectra).mean(axis=0)

        a, b = mean_spectrum(windows), mean_spectrum(reference)
        return float(half * np.abs(a / a.sum() - b / b.sum()).sum())

    def power(x):
        return np.abs(np.fft.rfft(x, axis=1)) ** 2

    expected = distance(power)
    if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-6):
        mistakes = [
            (distance(lambda x: np.abs(np.fft.rfft(x, axis=1))),
             "that is the distance between mean *amplitude* spectra |FFT|; the power spectrum is |FFT| squared"),
            (distance(power, half=1.0), "that is twice the distance: the total variation is *half* the sum of "
             "the absolute differences (so that it stays between 0 and 1)"),
            (distance(power, per_window=True), "each window's spectrum was normalized before averaging: average "
             "the power spectra over the set first, then normalize the mean spectrum to sum to 1"),
            (distance(lambda x: np.abs(np.fft.fft(x, axis=1)) ** 2),
             "np.fft.fft gives the mirrored negative frequencies too; use np.fft.rfft (frequencies 0 to 16)"),
        ]
        for wrong, explanation in mistakes:
            if math.isclose(got, wrong, rel_tol=1e-4, abs_tol=1e-6):
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}. Take the FFT along the time axis (axis=1: "
                          "one row per window)")
    same = _one_number(call(spectrum_distance, windows, windows * 3.0), "the distance")
    if abs(same) > 1e-6:
        raise WrongAnswer(f"a set and the same set three times louder should be at distance 0 (the spectra are "
                          f"normalized); got {same:.4f}")
    low, high = np.sin(2 * np.pi * 2 * np.arange(32) / 32)[None], np.sin(2 * np.pi * 9 * np.arange(32) / 32)[None]
    apart = _one_number(call(spectrum_distance, np.repeat(low, 5, 0), np.repeat(high, 5, 0)), "the distance")
    if not math.isclose(apart, 1.0, rel_tol=1e-4):
        raise WrongAnswer(f"waves of 2 and of 9 cycles have no frequency in common: distance 1; got {apart:.4f}")
    return f"{expected:.4f} on noisy waves of varied loudness, 0 for the same set louder, 1 for disjoint spectra"


def _reference_autocorrelation(windows: np.ndarray, num_lags: int, centre="window", energy="window") -> np.ndarray:
    length = windows.shape[1]
    if centre == "window":
        centred = windows - windows.mean(axis=1, keepdims=True)
    elif centre == "set":
        centred = windows - windows.mean()
    else:
        centred = windows
    window_energy = np.sum(centred**2, axis=1)
    rows = []
    for lag in range(num_lags):
        products = np.sum(centred[:, : length - lag] * centred[:, lag:], axis=1)
        if energy == "window":
            rows.append(products / window_energy)
        elif energy == "overlap":
            rows.append(products / window_energy * length / (length - lag))
        else:  # one energy for the whole set
            rows.append(products / window_energy.mean())
    return np.stack(rows, axis=1).mean(axis=0)


@exercise("10.2", "the mean autocorrelation of a set of windows at lags 0 to num_lags - 1")
def _check_autocorrelation(autocorrelation) -> str:
    windows = _waves(200, 32, seed=23, offsets=True)  # offsets that vary from window to window
    got = numbers(call(autocorrelation, windows, 16), "the autocorrelation")
    if got.shape == (200, 16):
        raise WrongAnswer("it returned one row per window; average the autocorrelations over the windows: shape (16,)")
    expect_shape(got, (16,), "the autocorrelation", "one value per lag, 0 to num_lags - 1")
    expect_finite(got, "the autocorrelation")
    expected = _reference_autocorrelation(windows, 16)
    expect_close(got, expected, "the autocorrelation", rtol=1e-4, atol=1e-5, mistakes=[
        (_reference_autocorrelation(windows, 16, centre=None), "the windows were not centred: subtract each "
         "window's own mean first, or an offset looks like correlation at every lag"),
        (_reference_autocorrelation(windows, 16, centre="set"), "the windows were centred with the mean of the "
         "whole set; subtract each window's *own* mean (its offset)"),
        (_reference_autocorrelation(windows, 16, energy="overlap"), "each lag was divided by its number of "
         "overlapping steps (a mean of products); divide the sum of products by the window's energy, the sum of "
         "its squared centred values, so that lag 0 is exactly 1"),
        (_reference_autocorrelation(windows, 16, energy="set"), "every window was divided by the set's mean "
         "energy; divide each window by its *own* energy, so that loud and quiet windows count alike"),
    ])
    if not math.isclose(float(got[0]), 1.0, abs_tol=1e-5):
        raise WrongAnswer(f"at lag 0 a window matches itself: the value should be 1; got {got[0]:.5f}")
    wave = _reference_autocorrelation(np.sin(2 * np.pi * 4 * np.arange(32) / 32)[None], 9)
    return (f"16 lags on windows with offsets and varied loudness; a wave of 4 cycles per 32 steps swings from "
            f"1 to {wave[4]:.2f} at lag 4 and back to {wave[8]:.2f} at lag 8")


def _softplus(x):
    return np.logaddexp(0.0, x)


@exercise("10.3", "the restorer's loss: the adversarial term plus l1_weight times the L1 to the clean digit")
def _check_restorer_loss(restorer_loss) -> str:
    rng = np.random.default_rng(24)
    fake_logits = rng.normal(0.0, 3.0, (6, 7, 7, 1))
    fake_logits[0, 0, 0, 0], fake_logits[1, 3, 3, 0] = 100.0, -100.0  # exact where a probability rounds to 0 or 1
    clean = np.clip(rng.normal(-0.6, 0.8, (6, 28, 28, 1)), -1, 1)
    restored = clean + rng.normal(0.0, 0.4, clean.shape)
    l1_weight = 20.0
    args = (fake_logits.astype(np.float32), restored.astype(np.float32), clean.astype(np.float32), l1_weight)
    got = _one_number(call(restorer_loss, *args), "the loss")
    if not math.isfinite(got):
        raise WrongAnswer(f"the loss is {got}: compute the adversarial term from the logits with softplus (or "
                          "keras.losses.BinaryCrossentropy(from_logits=True)), not from sigmoid probabilities")
    adversarial = float(np.mean(_softplus(-fake_logits)))
    l1 = float(np.mean(np.abs(restored - clean)))
    expected = adversarial + l1_weight * l1
    if math.isclose(got, expected, rel_tol=1e-4):
        return (f"{adversarial:.4f} (fool the PatchGAN, every patch) + {l1_weight:g} x {l1:.4f} (L1) = "
                f"{expected:.4f}")
    mistakes = [
        (l1_weight * adversarial + l1, "l1_weight multiplies the adversarial term; it weighs the L1 term"),
        (float(np.mean(_softplus(fake_logits))) + l1_weight * l1, "the adversarial term has the wrong target: "
         "the forger wants its restorations called real, target 1, -log D = softplus(-logits)"),
        (float(np.mean(-_softplus(fake_logits))) + l1_weight * l1, "that adversarial term is log(1 - D), the "
         "saturating minimax loss; use the non-saturating -log D = softplus(-logits)"),
        (adversarial + l1_weight * float(np.mean((restored - clean) ** 2)), "that is the squared error (L2); "
         "pix2pix uses the absolute error (L1), which blurs less"),
        (adversarial + l1_weight * float(np.sum(np.abs(restored - clean)) / len(clean)), "the L1 term is summed "
         "over the pixels; take the mean over pixels and images"),
        (l1_weight * l1, "the adversarial term is missing: add the mean of softplus(-logits) over every patch"),
        (adversarial, "the L1 term is missing: add l1_weight times the mean absolute error to the clean digit"),
        (float(np.mean(_softplus(-fake_logits[:, 0, 0, 0]))) + l1_weight * l1, "only one patch of the 7x7 "
         "grid counts; average the loss over every patch's logit"),
    ]
    for wrong, explanation in mistakes:
        if math.isclose(got, wrong, rel_tol=1e-4):
            raise WrongAnswer(f"got {got:.4f}: {explanation}")
    raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f} = {adversarial:.4f} + {l1_weight:g} x {l1:.4f}")
