"""Content-Transfer-Encoding of a message part: quoted-printable or base64, whichever is smaller.

Quoted-printable keeps mostly-ASCII text compact, but each byte of a non-Latin script costs three
("=D8=A7"), so an Urdu or Chinese part is smaller in base64. Gmail's clip counts the encoded part, so
the fit stage measures with the same choice the sender makes.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable

BASE64_LINE = 57  # raw bytes per base64 line: 76 characters, the MIME maximum


def _utf8(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")


def quoted_printable(text: str) -> bytes:
    """UTF-8 text as quoted-printable with CRLF line ends (binascii's encoder is C code)."""
    return binascii.b2a_qp(_utf8(text), istext=True).replace(b"\n", b"\r\n")


def base64_lines(text: str) -> bytes:
    """UTF-8 text (LF normalized to CRLF first) as base64 in 76-character CRLF lines."""
    body = _utf8(text).replace(b"\n", b"\r\n")
    return b"".join(
        binascii.b2a_base64(body[i : i + BASE64_LINE], newline=False) + b"\r\n"
        for i in range(0, len(body), BASE64_LINE)
    )


def qp_size(text: str) -> int:
    """Bytes of the text as quoted-printable, CRLF line ends included."""
    encoded = binascii.b2a_qp(_utf8(text), istext=True)
    return len(encoded) + encoded.count(b"\n")


def base64_size(text: str) -> int:
    """Bytes of the text as base64 in 76-character CRLF lines."""
    body = _utf8(text)
    raw = len(body) + body.count(b"\n")  # each LF is sent as CRLF
    lines = -(-raw // BASE64_LINE)
    return 4 * (-(-raw // 3)) + 2 * lines


def transfer_encoding(text: str) -> str:
    """The smaller encoding for this text: "quoted-printable" or "base64"."""
    return "base64" if base64_size(text) < qp_size(text) else "quoted-printable"


def encode(text: str, encoding: str) -> bytes:
    """The text in the named transfer encoding."""
    return base64_lines(text) if encoding == "base64" else quoted_printable(text)


class QuotedPrintableTemplate:
    """A part's quoted-printable encoding worked out once, for text that differs per recipient only in a
    few placeholders: quoted-printable encodes each line on its own, so only the lines holding a
    placeholder are encoded again for each recipient, and the result is byte for byte `encode(filled)`."""

    def __init__(self, segments: list[str]):
        """`segments` alternate literal text and placeholders (re.split with one group)."""
        text = "".join(segments)
        # A carriage return could pair with a line feed across a placeholder once it is filled: such a
        # text (rare: rendered parts use plain line feeds) is always encoded whole.
        self.exact = "\r" not in text
        lines = text.split("\n")
        self._placeholders = frozenset(segments[1::2])
        last = len(lines) - 1
        # Runs of lines without a placeholder are joined into one encoded chunk.
        self._lines: list[tuple[bytes | str, bool]] = []
        run: list[bytes] = []
        for i, line in enumerate(lines):
            if any(p in line for p in self._placeholders):
                if run:
                    self._lines.append((b"".join(run), True))
                    run = []
                self._lines.append((line, i < last))
            else:
                run.append(_qp_line(line, i < last))
        if run:
            self._lines.append((b"".join(run), False))

    def encode(self, fill: Callable[[str], str]) -> bytes | None:
        """The encoded text with each placeholder line filled by `fill`; None if a value breaks a line."""
        if not self.exact:
            return None
        out = []
        for line, ended in self._lines:
            if isinstance(line, bytes):
                out.append(line)
                continue
            filled = fill(line)
            if "\n" in filled or "\r" in filled:
                return None  # a value with a line break: only the whole-text encoding is exact
            out.append(_qp_line(filled, ended))
        return b"".join(out)


def _qp_line(line: str, ended: bool) -> bytes:
    """One line encoded as the whole text's encoder does it (a line break after it changes how its
    trailing white space is wrapped), with its CRLF when `ended`."""
    data = line.encode("utf-8") + (b"\n" if ended else b"")
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")
