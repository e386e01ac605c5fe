"""The editor's curation file beside each issue (<out>/<id>.toml).

File I/O happens only in `sync_curation` and `curate` (through the issue store); creating, merging, parsing and applying a
curation are pure functions of text and frozen dataclasses.
"""

from __future__ import annotations

import hashlib
import logging
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.markdown_note import render_note
from digest.models import Entry, Issue, Section, Summary

log = logging.getLogger(__name__)

FINGERPRINT_MARK = "fingerprint "
TOP_KEYS = ("note", "subject", "lead", "exclude", "sections", "order", "articles")
OVERRIDE_KEYS = ("title", "summary", "section")

HEADER = """\
Edit this file to curate {title}; then run `digest build` again (`digest preview` rebuilds
whenever you save). Rebuilding keeps every edit. Articles that are new since the last build are
added at the end of their section's list under [order], and the build names them.
Articles are named by their id; the comment after an id is the article's title.
Until you edit this file, each build rewrites it to follow the machine's picks.

Per-article overrides: add a table named by the article's id at the end of the file, e.g.
  [articles.{example}]
  title = "A sharper headline"
  summary = "One or two sentences in your own words."
  section = "Security\""""


@dataclass(frozen=True)
class Override:
    """An editor's replacements for one article (None keeps the machine's value)."""

    title: str | None = None
    summary: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Curation:
    """Everything an editor can decide about one issue."""

    note: str = ""  # Markdown
    subject: str = ""
    lead: str = ""  # article id; "" = the machine's lead
    exclude: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # section order, top to bottom
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # section -> article ids
    overrides: Mapping[str, Override] = field(default_factory=dict)  # article id -> override
    source: str = "curation"  # the file it came from, for messages

    def mentioned(self) -> set[str]:
        """Every article id the curation names anywhere."""
        ids = {self.lead} if self.lead else set()
        ids.update(self.exclude, self.overrides)
        for listed in self.order.values():
            ids.update(listed)
        return ids

    def edits(self) -> list[str]:
        """A short description of the decisions that go beyond article order."""
        out = []
        if self.note.strip():
            out.append("editor's note")
        if self.subject.strip():
            out.append("subject")
        if self.lead:
            out.append("lead")
        if self.exclude:
            out.append(f"{len(self.exclude)} excluded")
        if self.overrides:
            out.append(f"{len(self.overrides)} override{'s' if len(self.overrides) != 1 else ''}")
        return out


# ---- reading -------------------------------------------------------------------------------


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f'{where}: {key} must be a string in quotes, e.g. {key} = "..."')
    return value


def _ids(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: {key} must be a list of quoted ids, e.g. {key} = ["a1b2c3"]')
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def parse_curation(text: str, where: str = "curation") -> Curation:
    """Parse a curation file's text, or raise ConfigError naming the file and the fix."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}; fix it and build again") from None
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(TOP_KEYS)})")
    order_raw = raw.get("order", {})
    articles_raw = raw.get("articles", {})
    if not isinstance(order_raw, dict):
        raise ConfigError(f"{where}: order must be a table: [order] with one list of ids per section")
    if not isinstance(articles_raw, dict) or not all(isinstance(v, dict) for v in articles_raw.values()):
        raise ConfigError(f"{where}: per-article overrides must be tables such as [articles.a1b2c3]")
    overrides = {}
    for article_id, table in articles_raw.items():
        extra = sorted(set(table) - set(OVERRIDE_KEYS))
        if extra:
            raise ConfigError(
                f"{where}: [articles.{article_id}] has unknown key {extra[0]!r} (known: {', '.join(OVERRIDE_KEYS)})"
            )
        values = {k: _text(table[k], f"[articles.{article_id}] {k}", where).strip() or None for k in table}
        overrides[article_id] = Override(**values)
    return Curation(
        note=_text(raw.get("note", ""), "note", where),
        subject=" ".join(_text(raw.get("subject", ""), "subject", where).split()),  # no CR/LF in a header
        lead=_text(raw.get("lead", ""), "lead", where).strip(),
        exclude=_ids(raw.get("exclude", []), "exclude", where),
        sections=tuple(dict.fromkeys(s.strip() for s in _ids(raw.get("sections", []), "sections", where))),
        order={name.strip(): _ids(ids, f"[order] {name!r}", where) for name, ids in order_raw.items()},
        overrides=overrides,
        source=where,
    )


# ---- writing (pure: text in, text out) ------------------------------------------------------


def _fingerprint(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def is_edited(text: str) -> bool:
    """True when the file is not exactly as digest last wrote it (an editor changed it)."""
    first, _, body = text.partition("\n")
    mark = first.rpartition(FINGERPRINT_MARK)[2].strip()
    return not first.startswith("#") or mark != _fingerprint(body)


def _comment(entry: Entry, lead: bool) -> str:
    return entry.article.title + (" (lead)" if lead else "")


# tomlkit (about 5 ms to import) is needed only to edit an editor's file; a fresh file is written as
# text, exactly as tomlkit writes it (tests/test_curate.py compares the two).
_BARE_KEY = frozenset(string.ascii_letters + string.digits + "-_")
_ESCAPED = frozenset(map(chr, range(0x20))) | {"\x7f", '"', "\\"}  # what a TOML basic string escapes
_SETTINGS = """
# Editor's note in Markdown (raw HTML shows as text), placed above the lead story.
note = \"\"\"

\"\"\"

# Subject line of this issue; "" uses the configured [send] subject.
subject = ""

# The lead story's article id; "" picks the highest-ranked article.
lead = ""

# Article ids to leave out. Deleting a line under [order] does not remove an article.
exclude = []

# Sections from top to bottom; sections not listed follow in the usual order.
sections = [{sections}]

# Articles of each section, top to bottom. Move an id to another list to move the article.

[order]
"""


def _string(text: str) -> str:
    """`text` as a TOML basic string, as tomlkit writes it."""
    if _ESCAPED.isdisjoint(text):
        return f'"{text}"'
    import tomlkit

    return tomlkit.string(text).as_string()


def _key(name: str) -> str:
    """`name` as a TOML key, as tomlkit writes it: bare when it can be, else quoted."""
    if name and _BARE_KEY.issuperset(name):
        return name
    if _ESCAPED.isdisjoint(name):
        return f'"{name}"'
    import tomlkit

    return tomlkit.key(name).as_string()


def new_curation_text(issue: Issue) -> str:
    """The commented curation file for a freshly built issue, following the machine's picks."""
    example = issue.lead.article.id if issue.lead else "a1b2c3d4e5f6"
    header = "".join(
        f"# {line}\n" if line else "#\n" for line in HEADER.format(title=issue.title, example=example).splitlines()
    )
    settings = _SETTINGS.format(sections=", ".join(_string(s.name) for s in issue.sections))
    lead_id = issue.lead.article.id if issue.lead else None
    names = [s.name for s in issue.sections]
    if issue.lead and issue.lead.section not in names:
        names.insert(0, issue.lead.section)
    # Lists in the issue's section order; the lead tops its own section's list. Written as text, one
    # line per article: tomlkit re-indexes a whole array on every added line.
    lines: dict[str, list[str]] = {name: [] for name in names}
    for entry in issue.entries:
        lines.setdefault(entry.section, []).append(_order_line(entry, entry.article.id == lead_id))
    order = "".join(f"{_key(name)} = [{''.join(listed)}\n]\n" for name, listed in lines.items())
    body = header + settings + order
    return f"# digest curation of {issue.id} · {FINGERPRINT_MARK}{_fingerprint(body)}\n{body}"


def _order_line(entry: Entry, lead: bool) -> str:
    """One id line of an [order] list, as tomlkit writes it: the id, a comma, the title as a comment."""
    comment = _comment(entry, lead)
    if "\n" in comment or "\r" in comment:
        raise ValueError("Comment cannot contain line breaks")
    return f"\n    {_string(entry.article.id)}, # {comment}"


def _append(order: Any, entry: Entry, lead: bool = False) -> None:
    """Add an article's id (with its title as a comment) at the end of its section's list."""
    import tomlkit

    if entry.section not in order:
        order.add(entry.section, tomlkit.array())
    order[entry.section].add_line(entry.article.id, comment=_comment(entry, lead))


def merge_curation_text(text: str, issue: Issue, where: str = "curation") -> tuple[str, list[Entry]]:
    """The curation text with every article it does not name yet added; returns (text, added entries)."""
    if not is_edited(text):
        return new_curation_text(issue), []
    known = parse_curation(text, where).mentioned()
    added = [e for e in issue.entries if e.article.id not in known]
    if not added:
        return text, []
    import tomlkit  # only here: an editor's file is edited in place, keeping its layout and comments

    doc = tomlkit.parse(text)
    if "order" not in doc:
        doc.add("order", tomlkit.table())
    new_lists = set()
    for entry in added:
        if entry.section not in doc["order"]:
            new_lists.add(entry.section)
        _append(doc["order"], entry)
    for name in new_lists:
        doc["order"][name].add_line(indent="")
    return doc.as_string(), added


# ---- applying (pure) -----------------------------------------------------------------------


def _override(entry: Entry, override: Override | None, section: str) -> Entry:
    article, summary = entry.article, entry.summary
    if override and override.title:
        article = replace(article, title=" ".join(override.title.split()))
    if override and override.summary:
        summary = Summary(" ".join(override.summary.split()), "editor")
    if override and override.section:
        section = override.section
    return replace(entry, article=article, summary=summary, section=section)


def _stale(curation: Curation, present: set[str]) -> list[str]:
    """Warnings for every curation entry that names an article not in the issue."""
    where, out = curation.source, []

    def check(article_id: str, what: str) -> None:
        if article_id not in present:
            out.append(f"{where}: {what} names article {article_id!r}, which is not in this issue; ignored")

    if curation.lead:
        check(curation.lead, "lead")
    for article_id in curation.exclude:
        check(article_id, "exclude")
    for name, ids in curation.order.items():
        for article_id in ids:
            check(article_id, f"[order] {name!r}")
    for article_id in curation.overrides:
        check(article_id, f"[articles.{article_id}]")
    return out


def apply_curation(issue: Issue, curation: Curation) -> tuple[Issue, list[str]]:
    """The issue as the editor curated it, plus warnings about entries that no longer apply."""
    from digest.pipeline import preheader  # the same preheader rule as an uncurated build

    machine = list(issue.entries)
    present = {e.article.id for e in machine}
    warnings = _stale(curation, present)
    listed_in: dict[str, str] = {}
    for name, ids in curation.order.items():
        for article_id in ids:
            kept_under = listed_in.setdefault(article_id, name)
            if kept_under != name and article_id in present:
                warnings.append(
                    f"{curation.source}: article {article_id!r} is listed under both {kept_under!r} "
                    f"and {name!r} in [order]; kept under {kept_under!r}"
                )
    excluded = set(curation.exclude) & present
    entries = {
        e.article.id: _override(e, curation.overrides.get(e.article.id), listed_in.get(e.article.id, e.section))
        for e in machine
        if e.article.id not in excluded
    }
    lead_id = None
    if curation.lead in excluded:
        warnings.append(f"{curation.source}: lead {curation.lead!r} is also excluded; it is left out")
    elif curation.lead in entries:
        lead_id = curation.lead
    elif issue.lead and issue.lead.article.id in entries:
        lead_id = issue.lead.article.id
    members: dict[str, list[str]] = {s.name: [] for s in issue.sections}
    for article_id, entry in entries.items():
        if article_id != lead_id:
            members.setdefault(entry.section, []).append(article_id)
    for name in curation.sections:
        if not members.get(name):
            warnings.append(f"{curation.source}: sections lists {name!r}, which has no articles; ignored")
    names = [n for n in curation.sections if members.get(n)]
    names += [n for n in members if members[n] and n not in names]
    # Keep the configured per-section cap: a section over it had its tail listed as links.
    cap = max((len(s.entries) for s in issue.sections if s.more), default=0)
    sections: list[Section] = []
    for name in names:
        present_here = set(members[name])
        wanted = [i for i in curation.order.get(name, ()) if i in present_here]
        chosen = set(wanted)
        in_order = wanted + [i for i in members[name] if i not in chosen]
        items = tuple(entries[i] for i in in_order)
        split = cap or len(items)
        sections.append(Section(name, items[:split], items[split:]))
    if lead_id is None and sections:
        # The machine's lead was excluded: the top story of the top section leads instead.
        first = sections[0]
        lead_id = (first.entries or first.more)[0].article.id
        sections[0] = (
            Section(first.name, first.entries[1:], first.more)
            if first.entries
            else Section(first.name, (), first.more[1:])
        )
        sections = [s for s in sections if s.entries or s.more]
    lead = entries[lead_id] if lead_id else None
    curated = replace(
        issue,
        lead=lead,
        sections=tuple(sections),
        more=(),
        preheader=preheader(
            [s.entries[0].article.title for s in sections if s.entries],
            [s.name for s in sections],
            len(entries) - (1 if lead else 0),
            issue.newsletter.labels,
            issue.newsletter.language,
        )
        if entries
        else issue.preheader,
        subject=" ".join(curation.subject.split()) or None,  # a header line: no CR/LF
        editor_note_html=render_note(curation.note),
    )
    return curated, warnings


def curate_text(issue: Issue, old: str | None, where: str) -> tuple[str, Curation, list[str]]:
    """Create or merge the curation text for an issue and parse it (pure): (text, curation, notes)."""
    added: list[Entry] = []
    if old is None:
        text = new_curation_text(issue)
    else:
        text, added = merge_curation_text(old, issue, where)
    notes = []
    if added:
        titles = "; ".join(e.article.title for e in added[:5]) + (" …" if len(added) > 5 else "")
        notes.append(
            f"{where}: {len(added)} article{'s' if len(added) != 1 else ''} the file did not list "
            f"added at the end of their sections: {titles}"
        )
    return text, parse_curation(text, where), notes


# ---- the edge --------------------------------------------------------------------------------


def curation_path(out: Path, issue_id: str) -> Path:
    """Where an issue's curation file lives: beside its .html, .txt and .json."""
    from digest.issue_store import IssueStore

    return IssueStore(out).curation_path(issue_id)


def sync_curation(issue: Issue, out: Path, write: bool = True) -> tuple[Curation, list[str]]:
    """Read the issue's curation file (creating it on the first build), add new articles, and parse it."""
    from digest.issue_store import IssueStore

    store = IssueStore(out)
    old = store.read_curation(issue.id)
    text, curation, notes = curate_text(issue, old, str(store.curation_path(issue.id)))
    if write and text != old:
        store.write_curation(issue.id, text)
        log.info("wrote %s", store.curation_path(issue.id))
    return curation, notes


def curate(issue: Issue, out: Path, write: bool = True) -> tuple[Issue, list[str]]:
    """Sync the issue's curation file and apply it; returns the curated issue and its warnings."""
    curation, notes = sync_curation(issue, out, write)
    curated, warnings = apply_curation(issue, curation)
    return curated, notes + warnings
