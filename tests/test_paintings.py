"""The painter of chapter 12 and its exact checks, proven on made-up cases before they judge a forger."""

import numpy as np
import pytest
from scipy import ndimage

from ganlib import paintings


@pytest.fixture(scope="module")
def mondrians():
    return paintings.paint(200, "mondrian", seed=3, with_designs=True)


def _black_column(image, column):
    painted = image.copy()
    painted[:, column] = np.asarray(paintings.PALETTES["mondrian"]["black"]) * 2 - 1
    return painted


def test_the_painter_is_deterministic_and_draws_in_range():
    first, second = paintings.paint(20, seed=5), paintings.paint(20, seed=5)
    assert first.shape == (20, 32, 32, 3) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, paintings.paint(20, seed=6))
    assert first.min() >= -1 and first.max() <= 1
    assert not np.array_equal(paintings.paint(5, "stripes", seed=5), paintings.paint(5, "mondrian", seed=5)[:, :, :, :])


def test_real_mondrians_obey_every_rule_and_their_counts_match_the_design(mondrians):
    images, designs = mondrians
    assert paintings.palette_share(images).min() == 1.0
    for image, design in zip(images, designs):
        rules = paintings.mondrian_rules(image)
        assert rules["bars_ok"], rules
        assert rules["vertical_bars"] == len(design["columns"]) and rules["horizontal_bars"] == len(design["rows"])
        assert rules["rectangles"] == design["rectangles"] == (len(design["columns"]) + 1) * (len(design["rows"]) + 1)
        assert rules["filled"] == design["filled"] >= 1
        assert rules["stray_black"] == 0.0


def test_real_stripes_obey_their_rules():
    images, designs = paintings.paint(100, "stripes", seed=1, with_designs=True)
    assert paintings.palette_share(images, "stripes").min() == 1.0
    for image, design in zip(images, designs):
        assert paintings.stripes_rules(image) == {"stripes_ok": True, "stripes": design["stripes"]}
    # a Mondrian is not a stripes painting, nor the reverse
    assert not any(paintings.stripes_rules(image)["stripes_ok"] for image in paintings.paint(50, seed=1))
    assert not any(paintings.mondrian_rules(image)["bars_ok"] for image in images)


def test_a_bent_bar_fails_the_rules_but_not_the_palette(mondrians):
    image, design = mondrians[0][0], mondrians[1][0]
    column = design["columns"][0]
    bent = image.copy()
    bent[16:, column : column + 2] = bent[16:, column + 3 : column + 5]  # the lower half of the bar moves right
    bent[16:, column + 3 : column + 5] = np.asarray(paintings.PALETTES["mondrian"]["black"]) * 2 - 1
    assert paintings.palette_share(bent)[0] == 1.0
    rules = paintings.mondrian_rules(bent)
    assert not rules["bars_ok"] and rules["stray_black"] > paintings.STRAY_BLACK_SHARE


def test_a_bar_that_stops_short_or_is_too_wide_fails(mondrians):
    image, design = mondrians[0][1], mondrians[1][1]
    row = design["rows"][0]
    short = image.copy()
    short[row : row + 2, 20:] = np.asarray(paintings.PALETTES["mondrian"]["white"]) * 2 - 1
    assert not paintings.mondrian_rules(short)["bars_ok"]
    column = design["columns"][0]
    wide = _black_column(_black_column(_black_column(image, column + 2), column + 3), column - 1)
    assert paintings.mondrian_rules(wide)["vertical_bars"] == len(design["columns"])
    assert not paintings.mondrian_rules(wide)["bars_ok"]  # a bar 5 pixels wide


def test_blur_and_noise_fail_palette_and_rules(mondrians):
    images = mondrians[0][:50]
    blurred = ndimage.gaussian_filter(images, sigma=(0, 1, 1, 0))
    noise = np.random.default_rng(0).uniform(-1, 1, images.shape).astype(np.float32)
    assert paintings.palette_share(blurred).mean() < 0.7
    assert paintings.palette_share(noise).mean() < 0.1
    for fakes in (blurred, noise):
        result = paintings.check_paintings(fakes, images)
        assert result["rules"] == 0.0 and result["count_tv"] > 0.9, result
    # a little noise inside the tolerance changes nothing
    slightly = np.clip(images + np.random.default_rng(1).normal(0, 0.02, images.shape), -1, 1)
    assert paintings.check_paintings(slightly, images)["rules"] == 1.0


def test_total_variation_of_known_distributions():
    assert paintings.total_variation([1, 2, 3], [3, 2, 1]) == 0.0
    assert paintings.total_variation([1, 1], [2, 2]) == 1.0
    assert paintings.total_variation([4, 4, 9, 9], [4, 9, 9, 9]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="non-empty"):
        paintings.total_variation([], [1])


def test_count_distributions_of_two_real_samples_are_close_and_one_design_is_far():
    a, b = paintings.paint(1000, seed=1), paintings.paint(1000, seed=2)
    result = paintings.check_paintings(a, b)
    assert result["palette"] == 1.0 and result["rules"] == 1.0
    assert result["count_tv"] < 0.08 and result["filled_tv"] < 0.08, result
    one_design = np.repeat(a[:1], 100, axis=0)  # a forger that paints one painting over and over
    assert paintings.check_paintings(one_design, b)["count_tv"] > 0.6


def test_copies_are_caught_and_unseen_paintings_are_not_copies():
    training = paintings.paint(2000, seed=0)
    unseen = paintings.paint(500, seed=1)
    assert paintings.check_paintings(unseen, unseen, training_images=training)["copies"] == 0.0
    assert paintings.nearest_real_distances(unseen, training).min() > paintings.COPY_DISTANCE
    copies = np.clip(training[:100] + np.random.default_rng(0).normal(0, 0.05, training[:100].shape), -1, 1)
    result = paintings.check_paintings(copies, unseen, training_images=training)
    assert result["copies"] == 1.0 and result["nearest_training"] < 0.06
    shifted = np.roll(training[:100], 1, axis=2)  # every bar one pixel to the right: a new painting
    assert paintings.check_paintings(shifted, unseen, training_images=training)["copies"] < 0.1


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="style must be one of"):
        paintings.paint(3, "kandinsky")
    with pytest.raises(ValueError, match="num_paintings must be"):
        paintings.paint(0)
    with pytest.raises(ValueError, match=r"shape \(n, height, width, 3\).*\(2, 32, 32\)"):
        paintings.palette_share(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="NaN"):
        paintings.palette_share(np.full((1, 32, 32, 3), np.nan))
    with pytest.raises(ValueError, match="tolerance"):
        paintings.palette_share(np.zeros((1, 32, 32, 3)), tolerance=0)


def test_a_batch_is_read_as_each_painting_alone(mondrians):
    """`read_mondrians` on a batch agrees with reading each painting by itself: no region joins two paintings."""
    images = mondrians[0][:40].copy()
    images[1::4] = np.clip(images[1::4] + np.random.default_rng(0).normal(0, 0.4, images[1::4].shape), -1, 1)
    images[2::4] = ndimage.gaussian_filter(images[2::4], sigma=(0, 1, 1, 0))
    images[3::4] = np.asarray(paintings.PALETTES["mondrian"]["white"]) * 2 - 1  # one region, touching its neighbours
    batch = paintings.read_mondrians(images)
    for index, image in enumerate(images):
        alone = paintings.read_mondrians(image[None])
        for rule, values in batch.items():
            assert values[index] == alone[rule][0], (index, rule)
    assert list(batch["rectangles"][3::4]) == [1] * 10
    assert batch["bars_ok"][0::4].all() and not batch["bars_ok"][1::4].any()


def test_bars_are_counted_and_measured_along_each_line():
    image = np.ones((32, 32, 3), np.float32) * (np.asarray(paintings.PALETTES["mondrian"]["white"]) * 2 - 1)
    black = np.asarray(paintings.PALETTES["mondrian"]["black"]) * 2 - 1
    image[:, 3:5] = image[:, 10:15] = image[20:22, :] = black  # vertical bars 2 and 5 wide, one horizontal bar
    rules = paintings.read_mondrians(image[None])
    assert rules["vertical_bars"][0] == 2 and rules["horizontal_bars"][0] == 1
    assert not rules["bars_ok"][0]  # a bar 5 wide is more than twice a real one
    assert rules["rectangles"][0] == 3 * 2
    with pytest.raises(ValueError, match="one painting"):
        paintings.mondrian_rules(image[None])


def test_a_batch_of_stripes_is_read_as_each_painting_alone():
    """`read_stripes` on a batch agrees with `stripes_rules` on each painting, on good and broken stripes."""
    images, designs = paintings.paint(24, "stripes", seed=2, with_designs=True)
    images = images.copy()
    images[1::4] = np.clip(images[1::4] + np.random.default_rng(0).normal(0, 0.4, images[1::4].shape), -1, 1)
    images[2::4, :, :16] = np.roll(images[2::4, :, :16], 3, axis=1)  # the left half 3 rows lower: rows of two colours
    images[3::4] = np.asarray(paintings.PALETTES["stripes"]["teal"]) * 2 - 1  # one stripe, the whole canvas
    batch = paintings.read_stripes(images)
    for index, image in enumerate(images):
        assert paintings.stripes_rules(image) == {"stripes_ok": bool(batch["stripes_ok"][index]),
                                                   "stripes": int(batch["stripes"][index])}, index
    assert list(batch["stripes"][0::4]) == [design["stripes"] for design in designs[0::4]]
    assert batch["stripes_ok"][0::4].all() and batch["stripes_ok"][3::4].all()
    assert not batch["stripes_ok"][1::4].any() and not batch["stripes_ok"][2::4].any()
    assert list(batch["stripes"][3::4]) == [1] * 6
    with pytest.raises(ValueError, match="one painting"):
        paintings.stripes_rules(images[:1])
