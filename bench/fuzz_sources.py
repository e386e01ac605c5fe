"""Throw wrong-typed and out-of-range field values at `digest build` through every reader.

Run: .venv/bin/python bench/fuzz_sources.py [--values N] [--cli 6]
Each build reads six sources (native, JSON API, JSON Feed, WordPress, RSS, Atom), each holding one
good item and one item with one field set to a bad value. Per source case it counts: clean (the build
finished and the source did not crash), traceback (an unexpected exception: the build crashed or a
reader reported an "unexpected" error), hang (a build over the time limit), lost (the source's good
item is missing from the built issue). The baseline is the same six sources with no bad item, built
in the same run. A few cases also go through the real CLI in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from digest.sources.native import FIELDS as NATIVE_FIELDS

WEEK = "2026-W47"
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
HANG_SECONDS = 20

# Values no reader should choke on, JSON kinds (feeds carry them as text).
BAD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    7,
    1.5,
    1e20,
    -1e20,
    2**70,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "\ud800",
    "x\udfffy",
    "http://[::1/a",
    "javascript:alert(1)",
    "//no-scheme",
    "not a url",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-13-45T99:99:99Z",
    "NaN",
    "Infinity",
    "\x00\x01\x1f",
    "<script>alert(1)</script>",
    "x" * 5000,
    [],
    {},
    [1, 2],
    [None],
    [[["deep"]]],
    {"url": 5},
    {"url": "http://[::1/a"},
    {"name": 5},
    [{"name": None}],
    {"rendered": 5},
    {"width": math.nan},
]
FIELDS = {
    "native": list(NATIVE_FIELDS),  # every field the native reader reads
    "jsonapi": ["title", "url", "published", "author", "categories", "tags", "content", "excerpt", "image", "language"],
    "jsonfeed": [
        "title",
        "url",
        "external_url",
        "id",
        "date_published",
        "authors",
        "author",
        "tags",
        "content_html",
        "content_text",
        "summary",
        "image",
        "banner_image",
        "language",
    ],
    "wordpress": ["title", "link", "date_gmt", "date", "content", "excerpt", "sticky", "_embedded"],
    "rss": ["title", "link", "pubDate", "category", "description", "guid", "author", "media:content"],
    "atom": ["title", "link", "updated", "published", "category", "content", "summary", "id", "author"],
}
KINDS = list(FIELDS)
WORDS = {
    "native": ("Harbour cranes idle", "Orchard frost warning"),
    "jsonapi": ("Violin makers gather", "Tram line reopens"),
    "jsonfeed": ("Glacier retreat measured", "Chess prodigy wins"),
    "wordpress": ("Bakery strike ends", "Comet spotted early"),
    "rss": ("Library extends hours", "Volcano calm again"),
    "atom": ("Rowing team qualifies", "Bridge repairs finish"),
}


def _good(kind: str, n: int, tag: str) -> dict[str, Any]:
    url = f"https://{kind}.example/{tag}/{n}"
    # Titles and bodies far apart, so that cross-source dedupe never merges two good items.
    title = f"{WORDS[kind][n % 2]} {tag} {kind}"
    body = f"<p>{WORDS[kind][n % 2]} reported in {kind} for case {tag}. Nothing else happened there.</p>"
    date = "2026-11-18T10:00:00Z"
    return {
        "native": {"url": url, "title": title, "published": date, "content_html": body},
        "jsonapi": {"url": url, "title": title, "published": date, "content": body},
        "jsonfeed": {"id": url, "url": url, "title": title, "date_published": date, "content_html": body},
        "wordpress": {
            "id": n,
            "link": url,
            "title": {"rendered": title},
            "date_gmt": date[:-1],
            "content": {"rendered": body},
            "excerpt": {"rendered": ""},
        },
        "rss": {"title": title, "link": url, "pubDate": "Wed, 18 Nov 2026 10:00:00 GMT", "description": body},
        "atom": {"title": title, "link": url, "updated": date, "id": url, "content": body},
    }[kind]


def _xml_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value) if not isinstance(value, float) else repr(value)
    return escape(text.encode("utf-8", "replace").decode("utf-8"))


def _xml_item(kind: str, item: dict[str, Any]) -> str:
    parts = []
    for key, value in item.items():
        if kind == "atom" and key == "link":
            parts.append(f'<link rel="alternate" href="{_xml_text(value)}"/>')
        elif key in ("description", "content") and item.get(key) is not None:
            parts.append(f"<{key}><![CDATA[{str(value).replace(']]>', '')}]]></{key}>")
        elif key == "media:content":
            parts.append(f'<media:content url="{_xml_text(value)}" medium="image" width="{_xml_text(value)}"/>')
        elif key == "category" and kind == "atom":
            parts.append(f'<category term="{_xml_text(value)}"/>')
        elif key == "author" and kind == "atom":
            parts.append(f"<author><name>{_xml_text(value)}</name></author>")
        else:
            parts.append(f"<{key}>{_xml_text(value)}</{key}>")
    tag = "entry" if kind == "atom" else "item"
    return f"<{tag}>{''.join(parts)}</{tag}>"


def document(kind: str, items: list[dict[str, Any]]) -> tuple[str, bytes, dict[str, Any]]:
    """(file name, bytes, extra source options) for one kind's document holding these items."""
    if kind == "native":
        return "native.json", json.dumps({"articles": items}).encode(), {}
    if kind == "jsonapi":
        return "api.json", json.dumps({"data": {"stories": items}}).encode(), {"items": "data.stories"}
    if kind == "jsonfeed":
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Fuzz", "items": items}
        return "feed.json", json.dumps(doc).encode(), {}
    if kind == "wordpress":
        return "posts.json", json.dumps(items).encode(), {}
    body = "".join(_xml_item(kind, i) for i in items)
    if kind == "rss":
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>Fuzz</title><link>https://rss.example/</link>{body}</channel></rss>"
        )
    else:
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Fuzz</title>'
            f"<id>urn:fuzz</id><updated>2026-11-18T10:00:00Z</updated>{body}</feed>"
        )
    return f"{kind}.xml", xml.encode("utf-8", "surrogatepass"), {}


def case_sources(folder: Path, bad: dict[str, tuple[str, Any] | None], tag: str) -> tuple[list, dict[str, str]]:
    """Write one document per kind (a good item, plus a bad one when given); (specs, good title by source)."""
    from digest.sources import SourceSpec

    specs, good_titles = [], {}
    for kind in KINDS:
        good = _good(kind, 1, tag)
        items = [good]
        if bad.get(kind):
            field, value = bad[kind]  # type: ignore[misc]
            items.append({**_good(kind, 2, tag), field: value})
        name, data, options = document(kind, items)
        path = folder / f"{tag}-{name}"
        path.write_bytes(data)
        reader = {"rss": "feed", "atom": "feed"}.get(kind, kind)
        specs.append(SourceSpec(f"{kind}-{tag}", str(path), reader, options=options))
        good_titles[f"{kind}-{tag}"] = good["title"] if kind != "wordpress" else good["title"]["rendered"]
    return specs, good_titles


class Hang(Exception):
    """A build ran past the time limit."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


def build_case(folder: Path, bad: dict[str, tuple[str, Any] | None], tag: str) -> dict[str, str]:
    """Build one issue over six sources; the outcome of each source case: clean, traceback, hang or lost."""
    from digest.config import resolve
    from digest.fetch import Fetcher
    from digest.pipeline import build_issue

    specs, good_titles = case_sources(folder, bad, tag)
    settings = resolve(
        {
            "week": WEEK,
            "sources": tuple(specs),
            "out": str(folder / "issues"),
            "state_dir": str(folder / "state"),
            "allow_empty": True,
        },
        environ={},
        cwd=folder,
    )
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        result = build_issue(settings, Fetcher(), NOW, write=False)
    except Hang:
        return {s.name: "hang" for s in specs}
    except Exception:
        return {s.name: "traceback" for s in specs}
    finally:
        signal.alarm(0)
    titles = {e.article.title for e in result.issue.entries}
    outcome = {}
    for report in result.collected.reports:
        if report.error and report.error.startswith("unexpected"):
            outcome[report.name] = "traceback"
        elif good_titles[report.name] not in titles:
            outcome[report.name] = "lost"
        else:
            outcome[report.name] = "clean"
    return outcome


def cases(values: list[Any], seed: int = 7) -> list[dict[str, tuple[str, Any]]]:
    """One case per value and field slot: every kind gets the value in its slot-th field (cycled)."""
    rng = random.Random(seed)
    out = []
    slots = max(len(f) for f in FIELDS.values())
    for value in values:
        for slot in range(slots):
            out.append({kind: (FIELDS[kind][(slot + rng.randrange(1)) % len(FIELDS[kind])], value) for kind in KINDS})
    return out


def cli_case(folder: Path, bad: dict[str, tuple[str, Any]], tag: str) -> str:
    """One case through the real CLI in a subprocess: clean, traceback, hang or lost."""
    specs, good_titles = case_sources(folder, bad, tag)
    args = [sys.executable, "-m", "digest", "build", "--week", WEEK, "--out", str(folder / f"out-{tag}")]
    for spec in specs:
        args += ["--source", f"{spec.kind}:{spec.location}"] if not spec.options else []
    try:
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=folder,
            check=False,
            env={**os.environ, "DIGEST_STATE_DIR": str(folder / "state")},
        )
    except subprocess.TimeoutExpired:
        return "hang"
    if "Traceback" in proc.stderr + proc.stdout or proc.returncode not in (0, 1, 3):
        return "traceback"
    manifest = folder / f"out-{tag}" / f"{WEEK}.json"
    if not manifest.is_file():
        return "lost"
    titles = {a["title"] for a in json.loads(manifest.read_text())["articles"]}
    wanted = {t for n, t in good_titles.items() if not n.startswith("jsonapi")}  # jsonapi needs options
    return "clean" if wanted <= titles else "lost"


def main() -> None:
    """Run the harness and print its counts next to the clean baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=len(BAD_VALUES), help="how many bad values to use")
    parser.add_argument("--cli", type=int, default=6, help="cases also run through the CLI in a subprocess")
    args = parser.parse_args()
    counts = {"clean": 0, "traceback": 0, "hang": 0, "lost": 0}
    failures = []
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        baseline = build_case(folder, {}, "baseline")
        base_time = time.perf_counter() - started
        all_cases = cases(BAD_VALUES[: args.values])
        for n, case in enumerate(all_cases):
            started = time.perf_counter()
            outcome = build_case(folder, case, f"c{n}")
            times.append(time.perf_counter() - started)
            for source, result in outcome.items():
                counts[result] += 1
                if result != "clean":
                    kind = source.rsplit("-", 1)[0]
                    failures.append((result, kind, case[kind]))
        cli = [cli_case(folder, all_cases[i * 37 % len(all_cases)], f"cli{i}") for i in range(args.cli)]
    tried = sum(counts.values())
    print(
        f"baseline (no bad item): {sum(v == 'clean' for v in baseline.values())}/{len(baseline)} sources clean, "
        f"build {base_time:.2f} s"
    )
    print(
        f"tried {tried} ({len(all_cases)} builds x {len(KINDS)} readers), clean {counts['clean']}, "
        f"traceback {counts['traceback']}, hang {counts['hang']}, lost {counts['lost']}; "
        f"median build {statistics.median(times):.2f} s"
    )
    print(f"through the CLI: tried {len(cli)}, " + ", ".join(f"{k} {cli.count(k)}" for k in counts))
    for result, kind, (field, value) in failures[:20]:
        print(f"  {result}: {kind} {field} = {value!r:.60}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
