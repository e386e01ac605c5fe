"""Issues built straight from the dataclasses, for render tests: small (golden), large, right-to-left."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from digest.models import Article, Entry, Image, Issue, Newsletter, Section, Summary, Week

WEEK = Week(id="2026-W48", start=datetime(2026, 11, 23, tzinfo=UTC), end=datetime(2026, 11, 30, tzinfo=UTC))
NEWSLETTER = Newsletter(
    name="The Circuit Weekly",
    sender="The Circuit Weekly <digest@example.com>",
    postal_address="The Circuit Weekly, 1 Example Street, Springfield 00000",
    tagline="The week in technology, summarized.",
)
SECTION_NAMES = (
    "News",
    "Artificial intelligence",
    "Security",
    "Hardware",
    "Software",
    "Science",
    "Business",
    "Policy",
    "Mobile",
    "Culture",
)

_SUBJECTS = (
    "A regional grid operator",
    "The city's transit agency",
    "An open-source database project",
    "A battery start-up",
    "The national weather service",
    "A chip designer",
    "Two university labs",
    "A payments company",
    "The standards body",
    "A satellite operator",
    "A small browser team",
    "The port authority",
)
_ACTIONS = (
    "published the results of a year-long trial of",
    "opened its code for",
    "paused the rollout of",
    "cut the price of",
    "reported a sharp rise in demand for",
    "released a public audit of",
    "started testing",
    "explained the outage that hit",
)
_OBJECTS = (
    "low-power sensors on every bus route",
    "its scheduling software",
    "home storage batteries",
    "a new error-correcting memory design",
    "flood forecasts at street level",
    "passkeys for business accounts",
    "a shared dataset of bridge inspections",
    "the next version of its query planner",
    "rooftop solar contracts",
    "on-device speech models",
)
_FOLLOWUPS = (
    "Engineers say the change shortens repairs from days to hours and frees staff for inspections.",
    "The team expects the first results in spring and has asked other cities to share their data.",
    "Critics point out that the numbers have not been checked by an outside group yet.",
    "The move follows months of complaints from customers about slow support and unclear pricing.",
    "Early users report fewer failures, although the test covered only a few hundred devices.",
)

URDU_TITLES = (
    "کراچی میں ٹیکنالوجی کانفرنس کا آغاز",
    "لاہور کی جامعہ نے نیا سولر منصوبہ شروع کر دیا",
    "اسلام آباد میں تیز رفتار انٹرنیٹ کی آزمائش",
    "پشاور کے طلبہ نے موسم کی پیش گوئی کا ایپ بنایا",
)
URDU_SUMMARY = (
    "شہر میں تین روزہ کانفرنس شروع ہو گئی ہے جس میں ملک بھر سے انجینئر اور طلبہ شریک ہیں۔ "
    "منتظمین کے مطابق اس سال مصنوعی ذہانت اور سائبر سیکیورٹی پر خصوصی نشستیں رکھی گئی ہیں۔"
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


def article(
    n: int, *, image: bool = True, rtl: bool = False, author: str | None = "Mara Quint", minutes: int | None = 4
) -> Article:
    """Article number n, with varied English (or Urdu when rtl) text and an optional image."""
    if rtl:
        title = URDU_TITLES[n % len(URDU_TITLES)]
        slug = f"urdu-story-{n}"
    else:
        title = f"{_SUBJECTS[n % len(_SUBJECTS)]} {_ACTIONS[n % len(_ACTIONS)]} {_OBJECTS[n % len(_OBJECTS)]}"
        slug = _slug(title)
    url = f"https://circuit.example.com/2026/11/{slug}/"
    picture = (
        Image(
            f"https://cdn.circuit.example.com/uploads/2026/11/{slug[:32]}-1200x675.jpg",
            "" if n % 3 else "Photo for the story",
            1200,
            675,
        )
        if image
        else None
    )
    return Article(
        id=f"a{n:03d}",
        url=url,
        title=title,
        published=WEEK.start + timedelta(hours=5 * n),
        source="Circuit News" if n % 4 else "Signal & Noise",
        author=author,
        categories=("News",),
        image=picture,
        reading_minutes=minutes,
        language="ur" if rtl else "en",
        direction="rtl" if rtl else "ltr",
    )


def summary(n: int, rtl: bool = False) -> Summary:
    """A one- or two-sentence summary of about 25-55 words."""
    if rtl:
        return Summary(URDU_SUMMARY, "extractive")
    first = (
        f"{_SUBJECTS[(n + 3) % len(_SUBJECTS)]} {_ACTIONS[(n + 1) % len(_ACTIONS)]} "
        f"{_OBJECTS[(n + 2) % len(_OBJECTS)]} on Tuesday, saying the work took longer than planned."
    )
    text = first if n % 5 == 4 else f"{first} {_FOLLOWUPS[n % len(_FOLLOWUPS)]}"
    return Summary(text, "extractive")


def entry(n: int, section: str, **kwargs) -> Entry:
    """An entry for article n placed in `section`."""
    rtl = kwargs.get("rtl", False)
    return Entry(article=article(n, **kwargs), summary=summary(n, rtl), section=section, category=section)


def small_issue() -> Issue:
    """The golden-file issue: lead, three sections, an RTL article, a section overflow and a trimmed list."""
    news = Section("News", (entry(1, "News"), entry(2, "News", image=False, author=None)), more=(entry(3, "News"),))
    security = Section("Security", (entry(4, "Security", minutes=None), entry(5, "Security", rtl=True)))
    science = Section("Science", (entry(6, "Science"),))
    return Issue(
        id="2026-W48",
        week=WEEK,
        title="The Circuit Weekly, 2026-W48",
        preheader="Grid sensors cut repair times, a new memory design, and more.",
        newsletter=replace(NEWSLETTER, web_url="https://news.example.com/issues"),
        lead=entry(0, "News"),
        sections=(news, security, science),
        more=(entry(7, "Science"),),
        editor_note_html="<p>Welcome to issue 48. Tell us what you think at "
        '<a href="https://news.example.com/feedback">our feedback page</a>.</p>',
    )


def large_issue(count: int = 60, rtl_every: int = 0, images: bool = True) -> Issue:
    """An issue of `count` articles (lead included) spread evenly over up to ten sections."""
    per_section = 6
    names = SECTION_NAMES[: max(1, min(len(SECTION_NAMES), -(-(count - 1) // per_section)))]
    buckets: dict[str, list[Entry]] = {name: [] for name in names}
    for n in range(1, count):
        name = names[(n - 1) // per_section % len(names)]
        rtl = bool(rtl_every) and n % rtl_every == 0
        buckets[name].append(entry(n, name, rtl=rtl, image=images and n % 7 != 3))
    sections = tuple(Section(name, tuple(items)) for name, items in buckets.items() if items)
    return Issue(
        id="2026-W48",
        week=WEEK,
        title="The Circuit Weekly, 2026-W48",
        preheader="Grid sensors cut repair times, a new memory design, and more.",
        newsletter=NEWSLETTER,
        lead=entry(0, "News"),
        sections=sections,
    )


def rtl_issue() -> Issue:
    """A right-to-left newsletter (Urdu) that also carries a left-to-right article."""
    base = small_issue()
    newsletter = replace(
        base.newsletter, language="ur", direction="rtl", name="سرکٹ ہفتہ وار", tagline="ٹیکنالوجی کا ہفتہ، خلاصے میں"
    )
    sections = (
        Section("خبریں", (entry(10, "خبریں", rtl=True), entry(11, "خبریں"))),
        Section("سائنس", (entry(12, "سائنس", rtl=True, image=False),)),
    )
    return replace(
        base,
        newsletter=newsletter,
        title="سرکٹ ہفتہ وار، 2026-W48",
        lead=entry(9, "خبریں", rtl=True),
        sections=sections,
        more=(),
        editor_note_html="",
    )


LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaftsvertragsentwurf"[:90]


def long_word_issue(count: int = 60) -> Issue:
    """A 60-article issue where titles, summaries, bylines and link rows carry a 90-character word."""
    base = large_issue(count)

    def stretch(item: Entry, n: int) -> Entry:
        a = item.article
        url = f"{a.url}{LONG_WORD.lower()}/"
        return replace(
            item,
            article=replace(
                a,
                title=f"{a.title} {LONG_WORD}" if n % 2 else f"{LONG_WORD}{n}",
                url=url,
                author=LONG_WORD if n % 3 == 0 else a.author,
            ),
            summary=Summary(f"{item.summary.text} {LONG_WORD}{LONG_WORD.lower()}", "extractive"),
        )

    sections = []
    for s, section in enumerate(base.sections):
        entries = [stretch(e, s * 10 + i) for i, e in enumerate(section.entries)]
        sections.append(Section(section.name, tuple(entries[:4]), tuple(entries[4:])))
    more = sections[-1].more  # the last section's tail is listed under "More this week" instead
    sections[-1] = replace(sections[-1], more=())
    return replace(base, lead=stretch(base.lead, 1), sections=tuple(sections), more=more)
