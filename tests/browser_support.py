"""Headless Chromium for the render tests: launch flags, placeholder images, page measurements."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@lru_cache(maxsize=64)
def placeholder_png(seed: str, width: int = 600, height: int = 338) -> bytes:
    """A real PNG (soft diagonal gradient, colours from `seed`) to stand in for remote images."""
    digest = hashlib.sha256(seed.encode()).digest()
    a = [40 + digest[i] % 150 for i in range(3)]
    b = [90 + digest[i + 3] % 150 for i in range(3)]
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(0, width, 8):
            t = (x / width + y / height) / 2
            pixel = bytes(int(a[c] + (b[c] - a[c]) * t) for c in range(3))
            row += pixel * min(8, width - x)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def serve_images(route) -> None:
    """Answer image requests with a local PNG and refuse everything else (the network is closed)."""
    url = route.request.url
    if route.request.resource_type == "image":
        logo = "logo" in url
        body = placeholder_png(url, 320, 80) if logo else placeholder_png(url)
        route.fulfill(status=200, content_type="image/png", body=body)
    else:
        route.abort()


# Measures the rendered page: scrolling, titles, images, text sizes, tap targets and contrast.
MEASURE_JS = r"""
() => {
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(v => parseFloat(v)); return {r:p[0], g:p[1], b:p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r:255, g:255, b:255, a:1}; };
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && el.checkVisibility(); };
  const out = {scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
               bodyBackground: lum(background(document.body)), titles: [], images: [], small: [], lowContrast: [],
               smallTargets: [], summaries: []};
  document.querySelectorAll('h3').forEach(h => { const r = h.getBoundingClientRect();
    out.titles.push({text: h.textContent.trim(), visible: visible(h), left: r.left, right: r.right}); });
  document.querySelectorAll('img').forEach(img => { const r = img.getBoundingClientRect();
    const card = img.closest('table.card') || document.body; const c = card.getBoundingClientRect();
    out.images.push({src: img.src, left: r.left, right: r.right, cardLeft: c.left, cardRight: c.right,
                     loaded: img.complete && img.naturalWidth > 0}); });
  document.querySelectorAll('.sum').forEach(p => out.summaries.push(parseFloat(getComputedStyle(p).fontSize)));
  for (const el of document.body.querySelectorAll('*')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el); const size = parseFloat(s.fontSize);
    if (size < 14) out.small.push({tag: el.tagName, size, text: el.textContent.trim().slice(0, 40)});
    const fg = rgb(s.color), bg = background(el); const cr = ratio(fg, bg);
    if (cr < 4.5) out.lowContrast.push({tag: el.tagName, cls: el.className, ratio: Math.round(cr * 100) / 100,
                                        color: s.color, text: el.textContent.trim().slice(0, 40)});
  }
  document.querySelectorAll('a').forEach(a => { if (a.closest('.note') || !visible(a)) return;
    const r = a.getBoundingClientRect();
    if (r.height < 44) out.smallTargets.push({text: a.textContent.trim().slice(0, 40), height: r.height}); });
  return out;
}
"""
