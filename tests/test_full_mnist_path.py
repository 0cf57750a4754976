"""Full MNIST through tensorflow-datasets (chapters 00 and 04), on the real download path, with the network refused.

Nothing here reaches the internet: every socket connection and name lookup raises, and the
tfds data directory is an empty temporary folder, so nothing cached is found.
"""

import errno
import importlib
import socket
import sys

import pytest
import tensorflow_datasets as tfds
from tensorflow_datasets.core import dataset_builder
from tensorflow_datasets.core.download import downloader

from ganlib import data


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, an empty tfds data directory, and no retries (urllib3 backs off for minutes)."""
    attempts = []

    def unreachable(*args, **kwargs):
        attempts.append(args)
        raise OSError(errno.ENETUNREACH, "Network is unreachable (refused by the test)")

    def no_name_lookup(*args, **kwargs):
        attempts.append(args)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution (refused by the test)")

    monkeypatch.setattr(socket.socket, "connect", unreachable)
    monkeypatch.setattr(socket.socket, "connect_ex", unreachable)
    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setattr(socket, "getaddrinfo", no_name_lookup)
    monkeypatch.setattr(downloader, "MAX_RETRIES", 0)
    real_load = tfds.load
    monkeypatch.setattr(tfds, "load", lambda *args, **kwargs: real_load(*args, data_dir=str(tmp_path), **kwargs))
    return attempts


class NotInstalled:
    """A lazy import of a module that is not installed: using it imports it, which fails."""

    def __init__(self, name):
        self.name = name

    def __getattr__(self, attribute):
        return getattr(importlib.import_module(self.name), attribute)


def test_offline_the_real_download_path_ends_in_the_courses_offline_message(offline):
    with pytest.raises(RuntimeError, match=r"needs internet.*network could not be reached.*source='bundled'") as caught:
        data.load_digits(source="tfds")
    assert offline, "the download must have tried the network (and been refused)"
    assert not isinstance(caught.value, ImportError)


def test_a_missing_module_is_reported_as_an_installation_problem_not_as_offline(offline, monkeypatch):
    # importlib_resources: the module a fresh install lacked. tfds imports it lazily, on first use, and
    # keeps what it found with it (the builder's code path, its checksums); so here the lazy import
    # starts afresh, with the module missing, and what was found with it is forgotten.
    monkeypatch.setitem(sys.modules, "importlib_resources", None)
    monkeypatch.setattr(dataset_builder, "importlib_resources", NotInstalled("importlib_resources"))
    for memoized in ("code_path", "url_infos"):  # class properties over functools.lru_cache
        vars(dataset_builder.DatasetBuilder)[memoized].fget.__func__.cache_clear()
    expected = r"needs the module 'importlib_resources'.*requirements\.txt"
    with pytest.raises(ModuleNotFoundError, match=expected) as caught:
        data.load_digits(source="tfds")
    assert caught.value.name == "importlib_resources"
    assert "offline" not in str(caught.value) and "bundled" not in str(caught.value)


def test_a_missing_tensorflow_datasets_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(ModuleNotFoundError, match=r"needs the module 'tensorflow_datasets'"):
        data.load_digits(source="tfds")


def test_any_other_failure_is_reported_as_itself(offline, monkeypatch):
    def broken(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/data/mnist")

    monkeypatch.setattr(tfds, "load", broken)
    with pytest.raises(RuntimeError, match=r"not for want of a network: PermissionError.*Permission denied") as caught:
        data.load_digits(source="tfds")
    assert "offline" not in str(caught.value)
