from dataclasses import replace

from digest.group import GroupRules, group, rank, topic_categories
from tests.factories import WEEK, article, summaries


def test_featured_is_a_flag_and_aliases_fold_case():
    a = article(1, categories=("featured", "ai", "Uncategorized"))
    assert a.featured
    assert topic_categories(a, {"AI": "Artificial Intelligence"}) == ["Artificial Intelligence"]


def test_lead_is_the_featured_article_not_a_section():
    items = [article(1, day=6), article(2, categories=("featured", "Security"), day=0), article(3, day=3)]
    lead, sections = group(items, summaries(items), WEEK, GroupRules())
    assert lead.article.id == "a002"
    assert [s.name for s in sections] == ["News"]
    assert [e.article.id for e in sections[0].entries] == ["a001", "a003"]


def test_rank_prefers_recent_then_priority():
    old_priority = article(1, day=0, priority=2)
    recent = article(2, day=6)
    older = article(3, day=1)
    assert [a.id for a in rank([older, recent, old_priority], WEEK)] == ["a001", "a002", "a003"]


def test_section_order_configured_then_size_then_default_last():
    items = [
        article(1, ("Gadgets",)),
        article(2, ("Policy",)),
        article(3, ("Policy",)),
        article(4, ("News",)),
        article(5, ("featured", "News")),
        article(6, ()),
    ]
    rules = GroupRules(order=("News",), default="Elsewhere")
    lead, sections = group(items, summaries(items), WEEK, rules)
    assert lead.article.id == "a005"
    assert [s.name for s in sections] == ["News", "Policy", "Gadgets", "Elsewhere"]


def test_configured_category_wins_over_first_category():
    a = article(1, ("Startups", "Security"))
    lead, _ = group([a], summaries([a]), WEEK, GroupRules(order=("Security", "Startups")))
    assert (lead.section, lead.category) == ("Security", "Security")


def test_per_section_cap_moves_the_rest_to_more():
    items = [article(i, day=i % 7) for i in range(1, 10)]
    _lead, (news,) = group(items, summaries(items), WEEK, GroupRules(max_per_section=3))
    assert len(news.entries) == 3 and len(news.more) == 5
    ranked = [a.id for a in rank(items, WEEK)]
    assert [e.article.id for e in news.entries + news.more] == ranked[1:]


def test_no_articles_no_sections():
    assert group([], {}, WEEK, GroupRules()) == (None, ())


def test_each_body_is_converted_to_text_once(monkeypatch):
    import digest.group
    from digest.group import group_issue

    converted: list[str] = []

    def counting(real):
        def convert(fragment: str) -> str:
            converted.append(fragment)
            return real(fragment)

        return convert

    monkeypatch.setattr(digest.group, "html_to_text", counting(digest.group.html_to_text))
    monkeypatch.setattr(digest.group, "words_text", counting(digest.group.words_text))
    labelled = [article(i, (("Policy", "Science")[i % 2],)) for i in range(1, 9)]
    items = labelled + [article(9, ()), article(10, ("Tiny",)), article(11, ("Tiny",))]
    items = [
        replace(a, content_html=f"<p>{a.id} {'policy vote' if i % 2 else 'lab study'}</p>") for i, a in enumerate(items)
    ]
    group_issue(items, summaries(items), WEEK, GroupRules(min_size=3))
    assert len(converted) == len(set(converted))


def test_a_large_week_counts_the_same_words_without_converting_paragraphs(monkeypatch):
    import digest.group
    from digest.group import Bodies, group_issue

    topics = {"Policy": "the vote, in parliament; a bill (passed)", "Science": "a lab\tstudy: cells\nand genes!"}
    bodies = ["<p>{0}</p>\n<p>More: {0}.</p>", "<p>{0}&nbsp;again</p><br>{0}", "<p>\x85{0}</p><p>\x01odd</p>"]
    items = []
    for i in range(1, 31):
        label = ("Policy", "Science")[i % 2]
        body = bodies[i % 3].format(topics[label] + f" item{i}")
        items.append(replace(article(i, (label,) if i % 5 else ()), content_html=body))

    def term_counts(read: Bodies) -> list[dict[str, int]]:
        counted = [read.counted(a.id) for a in items]
        names = {i: term for term, i in read.terms.ids.items()}
        return [{names[i]: n for i, n in zip(ids.tolist(), counts.tolist(), strict=True)} for ids, counts in counted]

    rules = GroupRules(min_size=2)
    small, small_counts = group_issue(items, summaries(items), WEEK, rules), term_counts(Bodies(items))
    monkeypatch.setattr(digest.group, "PARAGRAPHS_CACHED", 0)  # as if the week were too large for the cache
    assert term_counts(Bodies(items)) == small_counts
    assert group_issue(items, summaries(items), WEEK, rules) == small
