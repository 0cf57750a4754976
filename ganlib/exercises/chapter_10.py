"""Checks for the exercises of chapter 10: beyond still images."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_changed,
    expect_finite,
    expect_shape,
    experiment,
    numbers,
    one_number,
    softplus,
    whole_number,
)


def _chapter_waves(num_waves: int, seed: int) -> np.ndarray:
    """The chapter's real data: 0.8 sin(2 pi f t / 32 + phase), f uniform in [1, 5], phase uniform."""
    rng = np.random.default_rng(seed)
    cycles = rng.uniform(1.0, 5.0, (num_waves, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, (num_waves, 1))
    return 0.8 * np.sin(2.0 * np.pi * cycles * np.arange(32)[None, :] / 32 + phase)


def _power(windows: np.ndarray) -> np.ndarray:
    return np.abs(np.fft.rfft(windows, axis=1)) ** 2


def _spectrum_distance(windows: np.ndarray, reference: np.ndarray) -> float:
    a, b = _power(windows).mean(axis=0), _power(reference).mean(axis=0)
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def _one_sine_share(windows: np.ndarray) -> float:
    """The share of windows that one sine wave (any frequency from 0.5 to 8 cycles, any phase, plus a constant)
    explains to 99 % of their energy."""
    steps = np.arange(windows.shape[1])
    centred = windows - windows.mean(axis=1, keepdims=True)
    energy = np.sum(centred**2, axis=1)
    smallest = np.full(len(windows), np.inf)
    for cycles in np.arange(0.5, 8.0, 0.02):
        angle = 2.0 * np.pi * cycles * steps / len(steps)
        basis, _ = np.linalg.qr(np.stack([np.sin(angle), np.cos(angle), np.ones_like(angle)], axis=1))
        smallest = np.minimum(smallest, np.sum((windows - (windows @ basis) @ basis.T) ** 2, axis=1))
    return float(np.mean((smallest < 0.01 * energy) & (energy > 1e-9)))


@exercise("10.1", "a forgery that the spectrum distance passes, although its windows are not single waves")
def _check_spectrum_forgery(spectrum_forgery) -> str:
    real, reference = _chapter_waves(2000, seed=25), _chapter_waves(2000, seed=26)
    forged = numbers(call(spectrum_forgery, real.copy()), "the forgery")
    expect_shape(forged, real.shape, "the forgery", "Return one forged window per real window, 32 steps each")
    expect_finite(forged, "the forgery")
    energy = np.sum((forged - forged.mean(axis=1, keepdims=True)) ** 2, axis=1)
    if np.mean(energy < 1e-9) > 0.1:
        raise WrongAnswer(f"{np.mean(energy < 1e-9):.0%} of the forged windows are flat (constant): a flat window "
                          "has no power at 1 to 5 cycles. Keep the waves' power, but not one wave per window")
    floor, got = _spectrum_distance(real, reference), _spectrum_distance(forged, reference)
    if got > floor + 0.03:
        power = _power(forged).mean(axis=0)
        high = float(power[7:].sum() / power.sum())
        if high > 0.2:
            reason = (f"{high:.0%} of the forgery's power lies at 7 cycles or more, where the real waves have almost "
                      "none: noise, or sharp jumps, spread power over every frequency")
        elif np.mean(np.std(forged, axis=0)) < 0.2 * np.mean(np.std(forged, axis=1)):
            reason = ("the forged windows are nearly all alike: averaging waves of random phase cancels them, and "
                      "one window has one mix of frequencies, not the real set's spread")
        else:
            reason = ("its mean power spectrum puts power at other frequencies than the real set's (a jump where two "
                      "pieces meet spreads power over many frequencies)")
        raise WrongAnswer(f"the forgery is at spectrum distance {got:.3f} from a held-out real set, where a second "
                          f"real set is at {floor:.3f}: {reason}. The forgery must keep the real set's *mean* power "
                          "spectrum")
    waves = _one_sine_share(forged[:500])
    if waves > 0.5:
        raise WrongAnswer(f"spectrum distance {got:.3f}, as close as a real set ({floor:.3f}), but {waves:.0%} of "
                          "the forged windows are still one sine wave each: they are real waves (moved, turned over "
                          "or made louder), and no distance should call them forged. Make windows that are not "
                          "single waves while their power, averaged over the set, stays where the real set's is: "
                          "add two different real windows, for example")
    return (f"spectrum distance {got:.3f} from held-out real waves, as close as a second real set ({floor:.3f}), "
            f"yet only {waves:.0%} of the windows are one sine wave. The distance averages the power over the set "
            "first, so it cannot see which frequencies share a window; a look at single windows (or an expert "
            "that judges whole windows) can")


def _reference_peak_share(windows: np.ndarray, amplitude=False, constant=False, neighbours=1, pooled=False,
                          per_window=False) -> np.ndarray | float:
    spectra = np.abs(np.fft.rfft(windows, axis=1))
    spectra = spectra if amplitude else spectra**2
    spectra = spectra if constant else spectra[:, 1:]  # the constant (0 cycles) says nothing about the wave
    if pooled:
        spectra = spectra.mean(axis=0, keepdims=True)
    peak, rows = spectra.argmax(axis=1), np.arange(len(spectra))
    near = sum(np.where((peak + shift >= 0) & (peak + shift < spectra.shape[1]),
                        spectra[rows, np.clip(peak + shift, 0, spectra.shape[1] - 1)], 0.0)
               for shift in range(-neighbours, neighbours + 1))
    shares = near / spectra.sum(axis=1)
    return shares if per_window else float(shares.mean())


@exercise("10.2", "a judge of single windows: the mean share of each window's power at its strongest frequency")
def _check_peak_share(peak_share) -> str:
    real = _chapter_waves(300, seed=27)
    mixed = (real + np.roll(real, 1, axis=0)) / np.sqrt(2.0)  # exercise 10.1's forgery: two waves per window
    windows = np.concatenate([real[:150], mixed[150:], 0.2 * np.sin(2 * np.pi * np.arange(32) / 32)[None]
                              + 0.5 * np.sin(2 * np.pi * 16 * np.arange(32) / 32)[None]])  # peaks at both ends
    value = numbers(call(peak_share, windows), "the share")
    if value.shape == (len(windows),):
        raise WrongAnswer("it returned one share per window; return their mean over the windows, one number")
    if value.size != 1:
        raise WrongAnswer(f"return one number; got shape {value.shape}")
    got, expected = float(value.ravel()[0]), _reference_peak_share(windows)
    if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-6):
        mistakes = [
            (_reference_peak_share(windows, pooled=True), "the power was averaged over the set before the peak "
             "was found: that is the set-level view that exercise 10.1 fooled. Find each window's own peak, take "
             "each window's share, then average the shares"),
            (_reference_peak_share(windows, amplitude=True), "that uses the amplitude |FFT|; use the power, "
             "|FFT| squared"),
            (_reference_peak_share(windows, constant=True), "the constant (0 cycles) was counted: leave out the "
             "first entry of np.fft.rfft, both from the peak's neighbourhood and from the window's total"),
            (_reference_peak_share(windows, neighbours=0), "only the peak frequency itself was counted; a wave "
             "of, say, 2.5 cycles splits its power between 2 and 3, so count the peak and its two neighbours"),
        ]
        for wrong, explanation in mistakes:
            if math.isclose(got, wrong, rel_tol=1e-4, abs_tol=1e-6):
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}. Per window: the power at frequencies 1 to 16, "
                          "the share of it at the strongest frequency and its neighbours (one each side, where they "
                          "exist: the check includes a window whose peak is at 16 cycles); then the mean over the "
                          "windows")
    on_real, on_mixed = (one_number(call(peak_share, w), "the share") for w in (real, mixed))
    return (f"{on_real:.2f} for real waves, {on_mixed:.2f} for exercise 10.1's two-wave forgery, where the "
            "spectrum distance saw no difference: a judge of single windows sees what a set's average hides")


@exercise("10.3", "the restorer's loss: the adversarial term plus l1_weight times the L1 to the clean digit")
def _check_restorer_loss(restorer_loss) -> str:
    rng = np.random.default_rng(24)
    fake_logits = rng.normal(0.0, 3.0, (6, 7, 7, 1))
    fake_logits[0, 0, 0, 0], fake_logits[1, 3, 3, 0] = 100.0, -100.0  # exact where a probability rounds to 0 or 1
    clean = np.clip(rng.normal(-0.6, 0.8, (6, 28, 28, 1)), -1, 1)
    restored = clean + rng.normal(0.0, 0.4, clean.shape)
    l1_weight = 20.0
    args = (fake_logits.astype(np.float32), restored.astype(np.float32), clean.astype(np.float32), l1_weight)
    got = one_number(call(restorer_loss, *args), "the loss")
    if not math.isfinite(got):
        raise WrongAnswer(f"the loss is {got}: compute the adversarial term from the logits with softplus (or "
                          "keras.losses.BinaryCrossentropy(from_logits=True)), not from sigmoid probabilities")
    adversarial = float(np.mean(softplus(-fake_logits)))
    l1 = float(np.mean(np.abs(restored - clean)))
    expected = adversarial + l1_weight * l1
    if math.isclose(got, expected, rel_tol=1e-4):
        return (f"{adversarial:.4f} (fool the PatchGAN, every patch) + {l1_weight:g} x {l1:.4f} (L1) = "
                f"{expected:.4f}")
    mistakes = [
        (l1_weight * adversarial + l1, "l1_weight multiplies the adversarial term; it weighs the L1 term"),
        (float(np.mean(softplus(fake_logits))) + l1_weight * l1, "the adversarial term has the wrong target: "
         "the forger wants its restorations called real, target 1, -log D = softplus(-logits)"),
        (float(np.mean(-softplus(fake_logits))) + l1_weight * l1, "that adversarial term is log(1 - D), the "
         "saturating minimax loss; use the non-saturating -log D = softplus(-logits)"),
        (adversarial + l1_weight * float(np.mean((restored - clean) ** 2)), "that is the squared error (L2); "
         "pix2pix uses the absolute error (L1), which blurs less"),
        (adversarial + l1_weight * float(np.sum(np.abs(restored - clean)) / len(clean)), "the L1 term is summed "
         "over the pixels; take the mean over pixels and images"),
        (l1_weight * l1, "the adversarial term is missing: add the mean of softplus(-logits) over every patch"),
        (adversarial, "the L1 term is missing: add l1_weight times the mean absolute error to the clean digit"),
        (float(np.mean(softplus(-fake_logits[:, 0, 0, 0]))) + l1_weight * l1, "only one patch of the 7x7 "
         "grid counts; average the loss over every patch's logit"),
    ]
    for wrong, explanation in mistakes:
        if math.isclose(got, wrong, rel_tol=1e-4):
            raise WrongAnswer(f"got {got:.4f}: {explanation}")
    raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f} = {adversarial:.4f} + {l1_weight:g} x {l1:.4f}")


#: The chapter's sample size: 2,000 forged windows judged against 2,000 held-out real ones (exercise 10.4).
CHAPTER_NUM_WINDOWS = 2000
#: Outcomes the learner may predict in exercise 10.4: the spectrum distance between two real sets.
FLOOR_OUTCOMES = ("larger", "about the same", "smaller")


def _why_floor(num_windows: int, outcome: str) -> str:
    chance = ("each set's mean spectrum is an average over its windows, and each window puts its power at one "
              "frequency drawn at random; with n windows the share of each frequency is off by chance by about "
              "1/sqrt(n), so two real sets differ by about that much")
    if outcome == "about the same":
        return (f"{chance}; a change of sample size by less than a factor of about 3 moves that only a little. "
                "Try a factor of 20")
    if outcome == "larger":
        return (f"{chance}: with {num_windows} windows the floor rises, and a forger judged on so few windows "
                "cannot be told from a real set closer than that. Compare a forger with the floor measured at "
                "the same number of windows, never with a floor measured on more")
    return (f"{chance}: with {num_windows} windows the floor falls, so small gaps between forger and real become "
            "measurable; the price is time, since the floor shrinks only with the square root of the sample")


def _read_num_windows(num_windows) -> int:
    num_windows = whole_number(num_windows, "num_windows", 5, 50_000)
    return expect_changed("num_windows", num_windows, CHAPTER_NUM_WINDOWS, 5, " (100 or 20000, say)")


def _measured_floor(num_windows: int, baseline: float, changed: float, outcome: str) -> str:
    return (f"two real sets of {num_windows} windows are at spectrum distance {changed:.4f}, against "
            f"{baseline:.4f} for sets of {CHAPTER_NUM_WINDOWS}: {outcome}")


@exercise("10.4", "an experiment: predict, then measure, how the number of windows moves the distance between "
                  "two real sets")
def _check_sample_size_experiment(answer) -> str:
    return experiment(
        answer, names=("num_windows", "prediction", "real_floor"), read=_read_num_windows,
        chapter_value=CHAPTER_NUM_WINDOWS, outcomes=FLOOR_OUTCOMES, rises="larger", falls="smaller",
        returns="a distance between 0 and 1",
        valid=lambda baseline, changed: 0 < baseline <= 1 and 0 < changed <= 1, measured=_measured_floor,
        why=_why_floor)
