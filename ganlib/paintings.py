"""Rule-made paintings and their exact forgery checks: the gallery of chapter 12.

The course paints its own colour data set, so nothing is downloaded and every forgery can be
checked against the rules the real paintings obey:

- ``"mondrian"``, in the manner of Mondrian's compositions: a white canvas cut by straight black
  bars, each spanning the canvas, into rectangles, a few of them filled with red, yellow or blue;
- ``"stripes"``, colour-field stripes: horizontal bands of colour, each row one colour.

`paint` draws paintings from a seed (32x32 RGB in [-1, 1], like the digits' scale), with their
designs if asked. The checks read a painting the way an inspector would: each pixel is snapped
to the style's palette (`palette_labels`), then the rules are checked on the snapped picture
(`mondrian_rules`, `stripes_rules`; `read_mondrians`, `read_stripes` read a batch at once), and
`check_paintings` compares a batch of forgeries with real paintings (palette share, rule share,
the distribution of rectangle counts, the nearest real painting). Explained in chapter 12.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ganlib import metrics

STYLES = ("mondrian", "stripes")
SIZE = 32  #: a painting's height and width in pixels
BAR = 2  #: a Mondrian bar's thickness in pixels
MARGIN = 4  #: the least canvas, in pixels, between a bar and the edge or the next bar

#: Each style's colours (RGB in [0, 1]); a pixel is "on the palette" within `PALETTE_TOLERANCE`.
PALETTES = {
    "mondrian": {
        "white": (0.96, 0.95, 0.91),
        "black": (0.07, 0.07, 0.08),
        "red": (0.82, 0.13, 0.11),
        "yellow": (0.98, 0.82, 0.12),
        "blue": (0.10, 0.24, 0.62),
    },
    "stripes": {
        "crimson": (0.62, 0.08, 0.16),
        "orange": (0.94, 0.52, 0.16),
        "ochre": (0.86, 0.72, 0.32),
        "teal": (0.10, 0.47, 0.50),
        "plum": (0.33, 0.16, 0.36),
    },
}
#: Largest Euclidean RGB distance (colours in [0, 1]) of a pixel counted as on the palette.
PALETTE_TOLERANCE = 0.15
#: Share of a row or column that must be black for it to count as part of a bar that spans the canvas.
SPAN_SHARE = 0.9
#: Share of the canvas allowed to be black outside the spanning bars (a painting with more has a bent or loose bar).
STRAY_BLACK_SHARE = 0.01
#: RMS pixel distance (in [-1, 1] units) under which a painting counts as a copy of a training painting;
#: a one-pixel shift of one bar is about 0.45 away, and unseen real paintings are at least 0.3 from their nearest.
COPY_DISTANCE = 0.2
#: Share of a row that must have one colour for the row to count as part of a straight stripe.
STRIPE_SHARE = 0.9

_FILLS = ("red", "yellow", "blue")


def _check_style(style: str) -> dict:
    if style not in PALETTES:
        raise ValueError(f"style must be one of {STYLES}; got {style!r}")
    return PALETTES[style]


def _colour(style: str, name: str) -> np.ndarray:
    return np.asarray(PALETTES[style][name], np.float32)


# --------------------------------------------------------------------------- the painter
def _bar_positions(rng: np.random.Generator, count: int) -> list[int]:
    """``count`` bars' first pixels, uniform over the layouts that keep `MARGIN` pixels of canvas beside every bar."""
    gap = BAR + MARGIN - 1  # from one bar's first pixel to the next one's, less one
    free = np.arange(MARGIN, SIZE - MARGIN - BAR + 1 - (count - 1) * gap)
    return [int(p) + i * gap for i, p in enumerate(sorted(rng.choice(free, size=count, replace=False)))]


def _paint_mondrian(rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    columns = _bar_positions(rng, int(rng.integers(2, 5)))
    rows = _bar_positions(rng, int(rng.integers(2, 5)))
    image = np.empty((SIZE, SIZE, 3), np.float32)
    image[:] = _colour("mondrian", "white")
    row_edges = [0] + rows + [SIZE]
    column_edges = [0] + columns + [SIZE]
    cells = [(top, left) for top in range(len(rows) + 1) for left in range(len(columns) + 1)]
    filled = rng.random(len(cells)) < 0.3
    if not filled.any():
        filled[rng.integers(len(cells))] = True
    fills = {}
    for (top, left), fill in zip(cells, filled):
        if fill:
            name = _FILLS[rng.choice(3, p=(0.4, 0.3, 0.3))]
            fills[(top, left)] = name
            y0, y1 = row_edges[top] + (BAR if top else 0), row_edges[top + 1]
            x0, x1 = column_edges[left] + (BAR if left else 0), column_edges[left + 1]
            image[y0:y1, x0:x1] = _colour("mondrian", name)
    for position in columns:
        image[:, position : position + BAR] = _colour("mondrian", "black")
    for position in rows:
        image[position : position + BAR, :] = _colour("mondrian", "black")
    design = {"columns": columns, "rows": rows, "rectangles": len(cells), "filled": len(fills),
              "fills": sorted(fills.values())}
    return image, design


def _paint_stripes(rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    count = int(rng.integers(2, 6))
    edges = sorted(rng.choice(np.arange(MARGIN, SIZE - MARGIN + 1), size=count - 1, replace=False).tolist())
    while any(b - a < MARGIN for a, b in zip(edges, edges[1:])):  # stripes at least MARGIN pixels high
        edges = sorted(rng.choice(np.arange(MARGIN, SIZE - MARGIN + 1), size=count - 1, replace=False).tolist())
    names = list(PALETTES["stripes"])
    colours = [names[rng.integers(len(names))]]
    for _ in range(count - 1):  # neighbouring stripes differ
        colours.append(names[rng.choice([i for i, name in enumerate(names) if name != colours[-1]])])
    image = np.empty((SIZE, SIZE, 3), np.float32)
    bounds = [0] + edges + [SIZE]
    for name, top, bottom in zip(colours, bounds, bounds[1:]):
        image[top:bottom] = _colour("stripes", name)
    return image, {"stripes": count, "colours": colours}


def paint(num_paintings: int, style: str = "mondrian", seed: int = 0, with_designs: bool = False):
    """``num_paintings`` paintings of ``style``, shape ``(n, 32, 32, 3)``, float32 in [-1, 1].

    The same ``seed`` gives the same paintings on any machine (NumPy's PCG64). With
    ``with_designs=True`` also returns each painting's design: for ``"mondrian"`` the bar
    positions (their first pixel), the number of rectangles and of filled ones; for
    ``"stripes"`` the number of stripes and their colours. Explained in chapter 12.
    """
    _check_style(style)
    if not isinstance(num_paintings, (int, np.integer)) or num_paintings < 1:
        raise ValueError(f"num_paintings must be an integer >= 1; got {num_paintings!r}")
    rng = np.random.default_rng([seed, STYLES.index(style)])
    painter = _paint_mondrian if style == "mondrian" else _paint_stripes
    images, designs = zip(*(painter(rng) for _ in range(int(num_paintings))))
    images = np.stack(images) * 2.0 - 1.0
    return (images, list(designs)) if with_designs else images


# --------------------------------------------------------------------------- the checks
def _check_paintings_array(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    got = images.shape
    if images.ndim == 3 and images.shape[-1] == 3:  # one painting
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"expected colour paintings of shape (n, height, width, 3) in [-1, 1]; got {got}")
    if not np.all(np.isfinite(images)):
        raise ValueError("expected finite pixel values in [-1, 1]; got NaN or inf")
    return images


def palette_labels(images, style: str = "mondrian") -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's nearest palette colour (an index into ``PALETTES[style]``) and its RGB distance to it.

    Images ``(n, height, width, 3)`` in [-1, 1]; distances are measured on colours in [0, 1].
    """
    palette = np.asarray(list(_check_style(style).values()), np.float32)
    colours = (_check_paintings_array(images) + 1.0) / 2.0
    distances = np.linalg.norm(colours[..., None, :] - palette, axis=-1)
    return distances.argmin(axis=-1), distances.min(axis=-1)


def palette_share(images, style: str = "mondrian", tolerance: float = PALETTE_TOLERANCE) -> np.ndarray:
    """Per painting, the share of pixels within ``tolerance`` of a colour of the style's palette."""
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0; got {tolerance!r}")
    _, distances = palette_labels(images, style)
    return (distances <= tolerance).mean(axis=(1, 2))


def _runs(line_masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``line_masks`` ``(n, length)``: its number of runs of True, and the longest run's length."""
    padded = np.pad(line_masks.astype(np.int8), ((0, 0), (1, 1)))
    steps = np.diff(padded, axis=1)
    start_rows, starts = np.nonzero(steps == 1)
    _, ends = np.nonzero(steps == -1)  # row-major order: each run's end comes in the same order as its start
    count = np.bincount(start_rows, minlength=len(line_masks))
    longest = np.zeros(len(line_masks), int)
    np.maximum.at(longest, start_rows, ends - starts)
    return count, longest


#: 4-neighbours within a painting, none across the paintings of a batch (for `ndimage.label` on ``(n, h, w)``).
_WITHIN_A_PAINTING = np.array([np.zeros((3, 3)), ndimage.generate_binary_structure(2, 1), np.zeros((3, 3))], bool)


def read_mondrians(images, tolerance: float = PALETTE_TOLERANCE) -> dict:
    """The rules of a batch of ``"mondrian"`` paintings ``(n, height, width, 3)``, one array of ``n`` per rule.

    The keys and their meaning are `mondrian_rules`'; reading a batch at once is much faster than
    reading its paintings one by one.
    """
    labels, distances = palette_labels(images, "mondrian")  # (n, height, width)
    black = (labels == list(PALETTES["mondrian"]).index("black")) & (distances <= tolerance)
    spanning_columns = black.mean(axis=1) >= SPAN_SHARE  # (n, width)
    spanning_rows = black.mean(axis=2) >= SPAN_SHARE  # (n, height)
    on_bars = spanning_columns[:, None, :] | spanning_rows[:, :, None]
    stray = (black & ~on_bars).mean(axis=(1, 2))
    vertical, widest_column = _runs(spanning_columns)
    horizontal, widest_row = _runs(spanning_rows)
    widest = np.maximum(widest_column, widest_row)
    # rectangles: the connected regions of non-black pixels; labelled for the whole batch at once
    regions, num_regions = ndimage.label(~black, structure=_WITHIN_A_PAINTING)
    painting_of_region = np.zeros(num_regions + 1, int)
    painting_of_region[regions.ravel()] = np.repeat(np.arange(len(images)), regions[0].size)
    colours = list(PALETTES["mondrian"])
    colour_counts = np.bincount(regions.ravel() * len(colours) + labels.ravel(),
                                minlength=(num_regions + 1) * len(colours))
    region_colours = colour_counts.reshape(num_regions + 1, len(colours))[1:].argmax(axis=1)  # commonest colour
    is_filled = np.isin(region_colours, [colours.index(name) for name in _FILLS])
    rectangles = np.bincount(painting_of_region[1:], minlength=len(images))
    filled = np.bincount(painting_of_region[1:], weights=is_filled, minlength=len(images))
    bars_ok = (vertical >= 1) & (horizontal >= 1) & (stray <= STRAY_BLACK_SHARE) & (widest <= 2 * BAR)
    return {"bars_ok": bars_ok, "vertical_bars": vertical, "horizontal_bars": horizontal, "stray_black": stray,
            "rectangles": rectangles, "filled": filled.astype(int)}


def mondrian_rules(image, tolerance: float = PALETTE_TOLERANCE) -> dict:
    """The rules of one ``"mondrian"`` painting ``(height, width, 3)``, read from its snapped pixels.

    Returns ``bars_ok`` (every black pixel lies on a straight bar that spans the canvas, at least
    one bar each way, no bar wider than twice a real one), the number of vertical and horizontal ``bars``,
    ``rectangles`` (the connected regions of non-black pixels, 4-neighbours) and ``filled`` (those
    whose most common colour is red, yellow or blue). Pixels off the palette count as not black.
    `read_mondrians` reads a batch.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(f"expected one painting of shape (height, width, 3); got {image.shape}")
    rules = read_mondrians(image[None], tolerance)
    return {"bars_ok": bool(rules["bars_ok"][0]), "vertical_bars": int(rules["vertical_bars"][0]),
            "horizontal_bars": int(rules["horizontal_bars"][0]), "stray_black": float(rules["stray_black"][0]),
            "rectangles": int(rules["rectangles"][0]), "filled": int(rules["filled"][0])}


def read_stripes(images, tolerance: float = PALETTE_TOLERANCE) -> dict:
    """The rules of a batch of ``"stripes"`` paintings ``(n, height, width, 3)``, one array of ``n`` per rule.

    The keys and their meaning are `stripes_rules`'; like `read_mondrians`, it reads the whole batch at once.
    """
    labels, distances = palette_labels(images, "stripes")  # (n, height, width)
    colours_per_row = (labels[..., None] == np.arange(len(PALETTES["stripes"]))).sum(axis=2)  # (n, height, colours)
    row_colour = colours_per_row.argmax(axis=2)  # each row's commonest colour
    row_share = colours_per_row.max(axis=2) / labels.shape[2]
    on_palette = (distances <= tolerance).mean(axis=2)
    stripes = 1 + np.count_nonzero(np.diff(row_colour, axis=1), axis=1)
    ok = np.all(row_share >= STRIPE_SHARE, axis=1) & np.all(on_palette >= STRIPE_SHARE, axis=1)
    return {"stripes_ok": ok, "stripes": stripes}


def stripes_rules(image, tolerance: float = PALETTE_TOLERANCE) -> dict:
    """The rules of one ``"stripes"`` painting ``(height, width, 3)``: ``stripes_ok`` (each row one palette
    colour, neighbours differ only between stripes) and ``stripes`` (the number of runs of rows of one
    colour). `read_stripes` reads a batch."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(f"expected one painting of shape (height, width, 3); got {image.shape}")
    rules = read_stripes(image[None], tolerance)
    return {"stripes_ok": bool(rules["stripes_ok"][0]), "stripes": int(rules["stripes"][0])}


def total_variation(counts_a, counts_b) -> float:
    """Total-variation distance between the distributions of two samples of integers: half the L1 of their shares."""
    counts_a, counts_b = np.asarray(counts_a, int).ravel(), np.asarray(counts_b, int).ravel()
    if counts_a.size == 0 or counts_b.size == 0:
        raise ValueError(f"expected two non-empty samples; got sizes {counts_a.size} and {counts_b.size}")
    length = int(max(counts_a.max(), counts_b.max())) + 1
    share_a = np.bincount(counts_a, minlength=length) / counts_a.size
    share_b = np.bincount(counts_b, minlength=length) / counts_b.size
    return float(0.5 * np.abs(share_a - share_b).sum())


def nearest_real_distances(images, real_images) -> np.ndarray:
    """Each painting's root-mean-square pixel distance (in [-1, 1] units) to its nearest real painting."""
    images, real_images = _check_paintings_array(images), _check_paintings_array(real_images)
    flat, real_flat = images.reshape(len(images), -1), real_images.reshape(len(real_images), -1)
    # chapter 07's nearest neighbours, one matrix product; in float32, several times faster than float64 and
    # within 1e-5 of it at these distances (copies are < COPY_DISTANCE, other paintings about 0.3 and more)
    distances = metrics._nearest_distances(flat, real_flat)
    return distances / np.sqrt(flat.shape[1])


def check_paintings(images, real_images, style: str = "mondrian", training_images=None) -> dict:
    """All the checks of a batch of ``style`` paintings against real ones, as one dict of numbers.

    - ``palette``: share of all pixels on the palette;
    - ``rules``: share of paintings that obey the style's rules (`mondrian_rules` ``bars_ok``,
      `stripes_rules` ``stripes_ok``);
    - ``count_tv``: total-variation distance between the distributions of rectangle counts
      (Mondrian) or stripe counts in ``images`` and in ``real_images``; and for Mondrian
      ``filled_tv``, the same for the number of filled rectangles;
    - with ``training_images`` (the paintings a forger learned from): ``copies``, the share of
      paintings within `COPY_DISTANCE` of a training painting, and ``nearest_training``, the
      smallest RMS distance of any of them to a training painting.
    """
    _check_style(style)
    images, real_images = _check_paintings_array(images), _check_paintings_array(real_images)
    read, rule, count = {"mondrian": (read_mondrians, "bars_ok", "rectangles"),
                         "stripes": (read_stripes, "stripes_ok", "stripes")}[style]
    fake_rules, real_rules = read(images), read(real_images)
    obeyed = fake_rules[rule]
    result = {
        "palette": float(palette_share(images, style).mean()),
        "rules": float(np.mean(obeyed)),
        "count_tv": total_variation(fake_rules[count], real_rules[count]),
    }
    if style == "mondrian":
        result["filled_tv"] = total_variation(fake_rules["filled"], real_rules["filled"])
    if training_images is not None:
        to_training = nearest_real_distances(images, training_images)
        result["copies"] = float(np.mean(to_training < COPY_DISTANCE))
        result["nearest_training"] = float(to_training.min())
    return result
