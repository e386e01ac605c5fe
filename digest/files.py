"""The one way digest writes a file: atomically, with the process umask's mode, and markup kept XML-safe."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

# Characters XML 1.0 forbids: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
# HTML parsers treat them as parse errors too, so everything written as HTML or XML goes through this.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 forbids (a feed or page with one is invalid everywhere)."""
    return _XML_FORBIDDEN.sub("", text)


def atomic_write(path: Path, data: str | bytes | Iterable[str], *, durable: bool = False) -> Path:
    """Write `data` (text as UTF-8 with LF line ends) via a temporary file and a rename.

    `data` may also be text in pieces, written as they come (a large file is never whole in memory).
    A reader never sees half a file. The file gets the mode the process umask gives a new file
    (0644 under umask 022), so a web server running as another user can read the archive.
    `durable` flushes the data to disk before the rename, for records that must survive a power cut.
    Raises OSError; callers turn it into a DigestError naming what they were writing.
    """
    path = Path(path)
    pieces = (data,) if isinstance(data, (str, bytes)) else data
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL with mode 0666: the kernel applies the umask, as it does for any new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                handle.write(_utf8(piece) if isinstance(piece, str) else piece)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be encoded: replace it rather than lose the file
        return text.encode("utf-8", "replace")
