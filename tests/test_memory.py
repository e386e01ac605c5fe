"""The allocator setting a build makes before reading: taken where the C library has it, ignored elsewhere."""

import platform
import sys

from digest.memory import pin_mmap_threshold


def test_pinned_on_glibc_and_harmless_twice():
    first, second = pin_mmap_threshold(), pin_mmap_threshold()
    assert first == second
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert first


def test_nothing_happens_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert pin_mmap_threshold() is False


def test_the_collector_runs_rarely_during_a_build():
    import gc

    from digest.memory import BUILD_GC_THRESHOLD, collect_rarely

    before = gc.get_threshold()
    try:
        collect_rarely()
        assert gc.get_threshold() == (BUILD_GC_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)
