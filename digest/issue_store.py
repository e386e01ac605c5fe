"""The issues folder (`<out>/`): where each built issue's files live, and the only code that reads them.

Per issue: `<id>.html` (the inlined email), `<id>.txt` (its plain-text twin), `<id>.json` (the
manifest, an IssueRecord), `<id>.toml` (the editor's curation file) and `web/<id>.html` (the web
version); for the archive: `index.html` and `feed.xml`. Every file is written with `atomic_write`;
HTML and XML are stripped of the characters XML forbids first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import ConfigError, DigestError
from digest.files import atomic_write, xml_safe
from digest.issue_record import IssueRecord, ManifestError
from digest.models import Rendered

log = logging.getLogger(__name__)

INDEX_FILE = "index.html"
FEED_FILE = "feed.xml"
WEB_DIR = "web"
ISSUE_SUFFIXES = (".json", ".html", ".txt")
_ISSUE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$")


@dataclass(frozen=True)
class IssuePaths:
    """An issue's three files."""

    html: Path
    text: Path
    json: Path

    def __iter__(self) -> Iterator[Path]:
        return iter((self.html, self.text, self.json))


@dataclass(frozen=True)
class StoredRecord:
    """An issue's record and when its manifest was last written."""

    record: IssueRecord
    path: Path
    updated: datetime  # UTC, whole seconds


@dataclass(frozen=True)
class BuiltIssue:
    """An issue as `digest build` wrote it: inlined HTML, text twin and its record."""

    id: str
    html: str
    text: str
    record: IssueRecord
    directory: Path

    @property
    def newsletter_name(self) -> str:
        """The newsletter's name as the issue records it."""
        return self.record.newsletter.name

    @property
    def week_id(self) -> str:
        """The issue's week id, e.g. 2026-W47."""
        return self.record.week.id or self.id

    @property
    def title(self) -> str:
        """The issue's title."""
        return self.record.title

    @property
    def lead_title(self) -> str:
        """The lead article's title, or the issue title when there is no lead."""
        return self.record.lead_title


class IssueStore:
    """Owns one issues folder: paths, existence, writing, loading and listing built issues."""

    def __init__(self, out: Path):
        self.out = Path(out)

    # ---- paths ---------------------------------------------------------------------------
    def paths(self, issue_id: str) -> IssuePaths:
        """The .html, .txt and .json paths of an issue."""
        return IssuePaths(*(self.out / f"{issue_id}{suffix}" for suffix in (".html", ".txt", ".json")))

    def curation_path(self, issue_id: str) -> Path:
        """The editor's curation file, beside the issue's files."""
        return self.out / f"{issue_id}.toml"

    def web_path(self, issue_id: str) -> Path:
        """The issue's web version."""
        return self.out / WEB_DIR / f"{issue_id}.html"

    @property
    def index_path(self) -> Path:
        """The archive's index page."""
        return self.out / INDEX_FILE

    @property
    def feed_path(self) -> Path:
        """The archive's Atom feed."""
        return self.out / FEED_FILE

    def exists(self, issue_id: str) -> bool:
        """True when all three of the issue's files are there."""
        return all(p.exists() for p in self.paths(issue_id))

    # ---- writing -------------------------------------------------------------------------
    def write(self, record: IssueRecord, rendered: Rendered) -> IssuePaths:
        """Write the issue's .html, .txt and .json; raises DigestError naming the folder."""
        paths = self.paths(record.id)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            atomic_write(paths.html, xml_safe(rendered.html))
            atomic_write(paths.text, xml_safe(rendered.text))
            atomic_write(paths.json, map(xml_safe, record.json_pieces()))  # 9 MB for 10,000 articles
        except OSError as exc:
            raise DigestError(f"cannot write the issue to {self.out}: {exc.strerror or exc}") from None
        return paths

    def write_web(self, issue_id: str, html: str) -> Path:
        """Write the issue's web version."""
        return self._write_markup(self.web_path(issue_id), html)

    def write_index(self, html: str) -> Path:
        """Write the archive's index page."""
        return self._write_markup(self.index_path, html)

    def write_feed(self, xml: str) -> Path:
        """Write the archive's Atom feed."""
        return self._write_markup(self.feed_path, xml)

    def write_curation(self, issue_id: str, text: str) -> Path:
        """Write the issue's curation file."""
        path = self.curation_path(issue_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return atomic_write(path, text)
        except OSError as exc:
            raise DigestError(f"cannot write the curation file {path}: {exc.strerror or exc}") from None

    def _write_markup(self, path: Path, text: str) -> Path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return atomic_write(path, xml_safe(text))
        except OSError as exc:
            raise DigestError(f"cannot write {path}: {exc.strerror or exc}") from None

    # ---- reading -------------------------------------------------------------------------
    def read_curation(self, issue_id: str) -> str | None:
        """The issue's curation file's text, or None when there is none yet."""
        path = self.curation_path(issue_id)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the curation file ({exc})") from None

    def load_record(self, issue_id: str) -> StoredRecord:
        """An issue's record; ConfigError when it is missing, ManifestError when it is not readable."""
        return self._stored(self.paths(issue_id).json)

    def load(self, issue_id: str) -> BuiltIssue:
        """An issue's three files; raises ConfigError naming the missing or broken one."""
        paths = self.paths(issue_id)
        record = self._stored(paths.json).record  # the manifest first: a missing issue is named by it
        html, text = self._read(paths.html), self._read(paths.text)
        if not _ISSUE_ID.match(record.id):
            raise ManifestError(f"{paths.json}: invalid issue id {record.id!r}")
        return BuiltIssue(record.id, html, text, record, self.out)

    def records(self) -> tuple[list[StoredRecord], list[str]]:
        """Every issue in the folder, newest first, and a warning for each JSON file that is not one."""
        found, warnings = [], []
        for path in sorted(self.out.glob("*.json")):
            try:
                stored = self._stored(path)
            except ConfigError as exc:
                warnings.append(f"{exc}; skipped")
                continue
            if stored.record.id != path.stem:
                warnings.append(f"{path}: its id {stored.record.id!r} does not match the file name; skipped")
                continue
            found.append(stored)
        found.sort(key=lambda s: (s.record.week.start, s.record.id), reverse=True)
        return found, warnings

    def latest(self) -> StoredRecord | None:
        """The issue whose window starts last (whatever its kind of id), or None when none was built."""
        found, warnings = self.records()
        for warning in warnings:
            log.warning("%s", warning)
        return found[0] if found else None

    def _stored(self, path: Path) -> StoredRecord:
        text = self._read(path)
        record = IssueRecord.from_json(text, str(path))
        try:
            updated = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc})") from None
        return StoredRecord(record, path, updated)

    @staticmethod
    def _read(path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file (build the issue first: digest build)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read ({exc})") from None


def issue_stem(ref: str, out_dir: Path) -> Path:
    """The path without suffix of the issue named by a file path or an id such as 2026-W48."""
    path = Path(ref).expanduser()
    if path.suffix in ISSUE_SUFFIXES:
        return path.with_suffix("")
    if not _ISSUE_ID.match(ref):
        raise ConfigError(f"{ref!r} is neither an issue id such as 2026-W48 nor a built issue's .json/.html/.txt file")
    return Path(out_dir) / ref


def load_issue(ref: str, out_dir: Path) -> BuiltIssue:
    """A built issue named by id (looked up in `out_dir`) or by the path of one of its files."""
    stem = issue_stem(ref, out_dir)
    return IssueStore(stem.parent).load(stem.name)
