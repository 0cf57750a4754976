import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # noqa: E402
import pytest  # noqa: E402

import ganlib  # noqa: E402


@pytest.fixture(autouse=True)
def _float32_and_seeded():
    """Each test starts in float32 with fixed seeds, whatever the test before it did."""
    keras.mixed_precision.set_global_policy("float32")
    ganlib.runtime.set_seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")
