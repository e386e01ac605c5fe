"""Process settings for a build: the C allocator keeps no freed memory (glibc), the collector runs rarely."""

from __future__ import annotations

import gc
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
DEFAULT_MMAP_THRESHOLD = 128 * 1024  # glibc's default: a block this large or larger gets pages of its own
BUILD_GC_THRESHOLD = 50_000  # new container objects between young-generation collections (Python's default: 700)


def pin_mmap_threshold() -> bool:
    """Keep glibc's mmap threshold at its default for the rest of the process; True when it was set.

    glibc raises the threshold to the size of each large block freed (up to 32 MB), so once a build has
    freed its first multi-megabyte string or array, the later ones (the web page, the feed, the
    manifest) are carved from the heap and leave holes in it that the process keeps: a 10,000-article
    build peaked about 18 MB higher. Setting the threshold once, even to its default, turns that off.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only here: nothing else needs it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to ask, or one without mallopt
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD))  # musl's accepts nothing: 0


def collect_rarely() -> None:
    """Run the cycle collector less often for the rest of the process.

    A build makes millions of small containers (tuples, lists, dicts of parsed items, sentences,
    term counts) that form no reference cycles and are freed by reference counting; at the default
    threshold the collector walks them again and again (about 7% of a 10,000-article build, with
    the same peak memory when it runs rarely).
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(BUILD_GC_THRESHOLD, middle, old)
