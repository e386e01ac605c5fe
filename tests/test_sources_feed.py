"""RSS 2.0, RSS 1.0 (RDF) and Atom over HTTP: fields, images, relative links, encodings, bad input."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "samples" / "rss"


def serve(httpserver, body, content_type="application/rss+xml", path="/feed"):
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type)
    return httpserver.url_for(path)


def read(url, **options):
    ctx = FetchContext(Fetcher(backoff=Backoff(retries=0)).get)
    return reader_for("feed")(SourceSpec("Feed", url, "feed", options=options), ctx)


def origin(httpserver):
    return f"https://{httpserver.host}:{httpserver.port}"


def test_rss2_fields_images_and_relative_links(httpserver):
    url = serve(httpserver, (FIXTURES / "rss2.xml").read_bytes(), path="/news/feed.xml")
    result = read(url)
    antennas, media = result.articles
    # Resolved against the feed URL, fbclid gone, the scheme as the publisher gave it.
    assert antennas.url == origin(httpserver).replace("https:", "http:") + "/2026/11/antennas"
    assert antennas.identity.url == origin(httpserver) + "/2026/11/antennas"  # the canonical form, for dedupe
    assert antennas.title == "Antennas & you"
    assert antennas.published == datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    assert antennas.author == "Mira Coax" and antennas.categories == ("RF", "Hardware")
    assert antennas.excerpt == "Short teaser about antennas."
    assert antennas.image.url == "https://signal.example.com/img/antenna.jpg"
    assert "<form" not in antennas.content_html and "<input" not in antennas.content_html
    assert f'href="http://{httpserver.host}:{httpserver.port}/glossary#dipole"' in antennas.content_html
    assert f'src="http://{httpserver.host}:{httpserver.port}/news/img/dipole.png"' in antennas.content_html
    assert antennas.language == "en-us"
    assert media.image.url == "https://signal.example.com/img/media.jpg" and media.image.width == 800
    assert media.content_html == "<p>Only a description here.</p>" and media.excerpt is None
    assert [(s.item, s.reason.split(";")[0]) for s in result.skipped] == [
        ("item 3 ('No date at all')", "no date (pubDate, dc:date, published or updated)")
    ]


def test_undated_items_can_be_dated_when_read(httpserver):
    result = read(serve(httpserver, (FIXTURES / "rss2.xml").read_bytes()), undated="now")
    assert len(result.articles) == 3 and not result.skipped
    assert abs((datetime.now(UTC) - result.articles[2].published).total_seconds()) < 600


def test_rss1_rdf(httpserver):
    (item,) = read(serve(httpserver, (FIXTURES / "rss1.rdf").read_bytes(), "application/rdf+xml")).articles
    assert item.title == "RDF item one" and item.author == "Rene Descriptor"
    assert item.published == datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
    assert item.categories == ("Standards",)


def test_atom_relative_links_resolve_against_the_feed_url(httpserver):
    url = serve(httpserver, (FIXTURES / "atom.xml").read_bytes(), "application/atom+xml", path="/blog/atom.xml")
    atoms, updated = read(url).articles
    assert atoms.url == origin(httpserver).replace("https:", "http:") + "/blog/posts/atoms-and-bits"
    assert atoms.title == "Atoms and bits" and atoms.author == "Ada Entry"
    assert atoms.categories == ("Physics",)
    assert atoms.excerpt == "Summary of atoms."
    assert f'href="http://{httpserver.host}:{httpserver.port}/about"' in atoms.content_html
    assert atoms.image.url == "https://atom.example.com/thumb.jpg"
    assert updated.published == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # <updated> when unpublished


RSS_TEMPLATE = """<rss version="2.0"><channel><title>{title}</title><link>https://enc.example.com/</link>
<item><title>{title}</title><link>https://enc.example.com/1</link><description>{body}</description>
<pubDate>Tue, 17 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"""


@pytest.mark.parametrize(
    "declared,encoding,content_type,title,body",
    [
        (
            '<?xml version="1.0" encoding="windows-1251"?>\n',
            "cp1251",
            "application/rss+xml",
            "Новости недели",
            "Привет, мир",
        ),
        (
            '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
            "latin-1",
            "application/rss+xml",
            "Café crème à Noël",
            "Déjà vu",
        ),
        ("", "latin-1", "application/rss+xml", "Café crème à Noël", "Déjà vu"),  # no declaration at all
        ("", "latin-1", "text/xml; charset=ISO-8859-1", "Über Straße", "Grüße"),  # only the HTTP charset
        # A server's default ISO-8859-1 label loses to the document's own declaration...
        (
            '<?xml version="1.0" encoding="windows-1251"?>\n',
            "cp1251",
            "text/xml; charset=ISO-8859-1",
            "Новости недели",
            "Привет, мир",
        ),
        (
            '<?xml version="1.0" encoding="KOI8-R"?>\n',
            "koi8_r",
            "application/xml; charset=iso-8859-1",
            "Первая новость",
            "Ёжик",
        ),
        ('<?xml version="1.0" encoding="utf-8"?>\n', "utf-8", "text/xml; charset=ISO-8859-1", "Café ☕", "Déjà vu"),
        # ...but a charset a server states on purpose still wins, and a mislabelled UTF-8 header is survived.
        (
            '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
            "cp1251",
            "text/xml; charset=windows-1251",
            "Новости недели",
            "Привет, мир",
        ),
        (
            '<?xml version="1.0" encoding="windows-1251"?>\n',
            "cp1251",
            "application/rss+xml; charset=utf-8",
            "Новости недели",
            "Привет, мир",
        ),
    ],
)
def test_encodings(httpserver, declared, encoding, content_type, title, body):
    raw = (declared + RSS_TEMPLATE.format(title=title, body=body)).encode(encoding)
    (item,) = read(serve(httpserver, raw, content_type)).articles
    assert item.title == title
    assert item.content_html == body


def test_html_page_instead_of_feed(httpserver):
    url = serve(
        httpserver,
        b"<!doctype html><html><head><title>Blog</title></head><body>Hi</body></html>",
        "text/html; charset=utf-8",
    )
    with pytest.raises(SourceError) as err:
        read(url)
    assert str(err.value) == f"{url}: not an RSS or Atom feed (text/html)"


def test_invalid_xml(httpserver):
    url = serve(
        httpserver,
        b"<?xml version='1.0'?>\n<rss version='2.0'><channel><title>Broken</title></chan",
        "application/rss+xml",
    )
    with pytest.raises(SourceError) as err:
        read(url)
    assert str(err.value).startswith(f"{url}: invalid XML, not a readable feed (")


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared samples not present")
def test_shared_feed_samples():
    miniflux = SHARED / "miniflux/internal/reader/parser/testdata"
    urdu = read(str(miniflux / "urdu_UTF8.xml")).articles
    assert urdu and all(a.direction == "rtl" for a in urdu)
    cyrillic = read(str(miniflux / "encoding_WINDOWS-1251.xml")).articles
    assert cyrillic and any("Цитата" in a.title for a in cyrillic)
    latin = read(str(miniflux / "no_encoding_ISO-8859-1.xml")).articles
    assert latin and not any("\ufffd" in a.title for a in latin)
    for path in sorted((SHARED / "netnewswire-rsparser").iterdir()):
        if path.suffix in (".rss", ".atom", ".xml", ".rdf"):
            result = read(str(path))  # extensions lie: every kind goes through one reader
            assert result.articles, path.name


MICROBLOG = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Day pages</title><link>http://blog.example.com/</link>
<item><description>First thought of the day.</description><pubDate>Mon, 16 Nov 2026 08:00:00 GMT</pubDate>
  <link>http://blog.example.com/2026/11/16.html#a080000</link></item>
<item><description>Second thought, with a <a href="http://x.example/">link</a>.</description>
  <pubDate>Mon, 16 Nov 2026 09:00:00 GMT</pubDate><link>http://blog.example.com/2026/11/16.html#a090000</link></item>
<item><title>A post of its own</title><pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate>
  <link>http://blog.example.com/2026/11/essay.html#comments</link></item>
</channel></rss>"""


def test_items_that_are_anchors_on_one_page_stay_separate(httpserver):
    first, second, essay = read(serve(httpserver, MICROBLOG)).articles
    assert first.url == "http://blog.example.com/2026/11/16.html#a080000"
    assert second.url == "http://blog.example.com/2026/11/16.html#a090000" and first.id != second.id
    assert first.identity.url == "https://blog.example.com/2026/11/16.html#a080000"
    assert second.title == "Second thought, with a link."  # no gap before the full stop
    assert essay.url == "http://blog.example.com/2026/11/essay.html"  # a comments anchor is no part of the link


ATOM_FEED_AUTHOR = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Notes</title><id>urn:notes</id>
<updated>2026-11-17T10:00:00Z</updated><author><name>Ada Feedwide</name></author>
<entry><title>Inherits</title><id>urn:1</id><link href="https://notes.example.com/1"/>
  <updated>2026-11-17T10:00:00Z</updated>
  <content type="html">&lt;p&gt;&lt;img src="https://feeds.feedburner.com/~r/notes/~4/x.gif" width="1" height="1"&gt;
  &lt;img src="https://s.w.org/images/core/emoji/11/72x72/1f600.png"&gt;
  &lt;img src="/img/wide.jpg" alt="A wide shot" width="1200" height="600"&gt;Body.&lt;/p&gt;</content></entry>
<entry><title>Own author</title><id>urn:2</id><link href="https://notes.example.com/2"/>
  <updated>2026-11-17T11:00:00Z</updated><author><name>Bo Entry</name></author></entry>
</feed>"""


def test_atom_entries_inherit_the_feed_author_and_take_the_first_real_picture(httpserver):
    inherits, own = read(serve(httpserver, ATOM_FEED_AUTHOR, "application/atom+xml")).articles
    assert inherits.author == "Ada Feedwide" and own.author == "Bo Entry"
    # The tracking pixel and the emoji are passed over; the relative src resolves against the feed.
    assert inherits.image.url == origin(httpserver) + "/img/wide.jpg"
    assert inherits.image.alt == "A wide shot" and inherits.image.width == 1200
    assert own.image is None


RSS_EMAIL_AUTHORS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk</title><link>https://desk.example.com/</link>
<managingEditor>desk@example.com (The Desk)</managingEditor>
<item><title>Bare address</title><link>https://desk.example.com/a</link><author>joe@example.com</author>
  <pubDate>Tue, 17 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Address and name</title><link>https://desk.example.com/b</link>
  <author>joe@example.com (Joe Bloggs)</author><pubDate>Tue, 17 Nov 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_rss_author_is_a_name_never_a_bare_address_nor_the_managing_editor(httpserver):
    bare, named = read(serve(httpserver, RSS_EMAIL_AUTHORS)).articles
    assert bare.author is None and named.author == "Joe Bloggs"


def test_json_read_as_a_feed_says_to_drop_the_prefix(httpserver):
    url = serve(httpserver, b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json")
    with pytest.raises(SourceError) as err:
        read(url)
    assert str(err.value) == (
        f'{url}: JSON, not an RSS or Atom feed; drop the feed: prefix (or set kind = "auto") so its kind is detected'
    )


def test_a_feed_read_as_json_says_which_kind_it_is(httpserver):
    url = serve(httpserver, (FIXTURES / "rss2.xml").read_bytes(), "application/rss+xml")
    with pytest.raises(SourceError) as err:
        reader_for("jsonfeed")(SourceSpec("F", url, "jsonfeed"), FetchContext(Fetcher(backoff=Backoff(retries=0)).get))
    assert str(err.value) == (
        f"{url}: expected JSON but got an RSS or Atom feed (application/rss+xml); "
        'read it with kind = "feed" '
        "(or the feed: prefix), or let the kind be detected"
    )


def test_an_empty_link_is_not_the_feed_url_and_the_entry_id_stands_in(httpserver):
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>Links</title><id>urn:links</id><updated>2026-11-17T10:00:00Z</updated>
    <entry><title>Link: Dolphins</title><link rel="alternate" type="text/html" href=""/>
      <id>http://links.example.com/?p=14848</id><updated>2026-11-17T10:00:00Z</updated></entry></feed>"""
    (item,) = read(serve(httpserver, atom, "application/atom+xml", path="/wp-atom.php")).articles
    assert item.url == "http://links.example.com/?p=14848"


def test_text_xml_without_charset_lets_the_declaration_decide(httpserver):
    # RFC 3023 read such a body as US-ASCII; RFC 7303 (and every browser) uses the declaration.
    channel_only = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Café</title></channel></rss>'
    )
    result = read(serve(httpserver, channel_only.encode("cp1252"), "text/xml"))
    assert result.articles == () and result.skipped == ()  # an empty feed, not "invalid XML"
    raw = '<?xml version="1.0" encoding="windows-1251"?>\n' + RSS_TEMPLATE.format(title="Новости", body="Привет")
    (item,) = read(serve(httpserver, raw.encode("cp1251"), "text/xml", path="/ru")).articles
    assert item.title == "Новости" and item.content_html == "Привет"


def test_an_avatar_sized_thumbnail_is_no_picture(httpserver):
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:media="http://search.yahoo.com/mrss/"><title>Commits</title><id>urn:c</id><updated>2026-11-17T10:00:00Z</updated>
      <entry><title>Parse podcast categories</title><id>urn:c1</id><link href="https://code.example.com/c1"/>
        <updated>2026-11-17T10:00:00Z</updated><author><name>dev</name></author>
        <media:thumbnail height="30" width="30" url="https://avatars.example.com/u/1?s=30&amp;v=4"/></entry>
      <entry><title>Wide</title><id>urn:c2</id><link href="https://code.example.com/c2"/><updated>2026-11-17T10:00:00Z</updated>
        <media:thumbnail width="1024" height="576" url="http://img.example.com/wide.jpg"/></entry></feed>"""
    avatar, wide = read(serve(httpserver, atom, "application/atom+xml")).articles
    assert avatar.image is None
    assert wide.image.url == "https://img.example.com/wide.jpg" and wide.image.width == 1024
