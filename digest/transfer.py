"""Content-Transfer-Encoding of a message part: quoted-printable or base64, whichever is smaller.

Quoted-printable keeps mostly-ASCII text compact, but each byte of a non-Latin script costs three
("=D8=A7"), so an Urdu or Chinese part is smaller in base64. Gmail's clip counts the encoded part, so
the fit stage measures with the same choice the sender makes.
"""

from __future__ import annotations

import binascii

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
