"""Issue 7, point 5: build, edit the curation file, rebuild; every edit survives and shows everywhere."""

import json
import tomllib

import tomlkit

from desk_helpers import WEEK, cli_build, default_articles, native_article, write_source


def ids_by_title(manifest):
    return {a["title"]: a["id"] for a in manifest["articles"]}


def before(text, first, second):
    """True when `first` occurs before `second` in text (both must occur)."""
    assert first in text, first
    assert second in text, second
    return text.index(first) < text.index(second)


def test_full_round_trip_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "DIGEST_SECTION_MIN_SIZE", "1"
    )  # one-article sections stay: the edits move articles between them
    out = tmp_path / "issues"
    articles = default_articles(7)
    source = write_source(tmp_path / "news.json", articles)
    first = cli_build(source, out)
    assert first.exit_code == 0, first.output
    toml_path = out / f"{WEEK}.toml"
    assert toml_path.is_file() and "warning" not in first.output
    ids = ids_by_title(json.loads((out / f"{WEEK}.json").read_text(encoding="utf-8")))
    s = {n: ids[articles[n - 1]["title"]] for n in range(1, 8)}

    # The editor's changes, made the way an editor would: in the file, comments kept.
    doc = tomlkit.parse(toml_path.read_text(encoding="utf-8"))
    doc["note"] = tomlkit.string(
        "Welcome to **week 47**.\n\n<i>raw</i> and [our site](https://desk.example.com).\n", multiline=True
    )
    doc["subject"] = "Curated: the week in review"
    doc["lead"] = s[2]
    doc["exclude"].append(s[3])
    doc["sections"] = ["Business", "Science", "Security"]
    doc["order"]["Science"] = [s[7], s[1]]  # s[4] is left off the list: it must not disappear
    doc["order"]["Business"] = [s[5]]  # s[2] is the lead now
    doc["order"]["Security"] = [s[6], s[3]]
    articles_table = tomlkit.table(is_super_table=True)
    articles_table[s[6]] = {"title": "Sharper & bolder headline", "summary": "The editor's own summary of six."}
    articles_table[s[5]] = {"section": "Security"}
    articles_table["gone123"] = {"title": "An article that no longer exists"}
    doc["articles"] = articles_table
    edited = doc.as_string()
    toml_path.write_text(edited, encoding="utf-8")

    # A new article arrives before the rebuild.
    articles.append(native_article(8, "Science", day=3, title="Late breaking science story"))
    write_source(source, articles)
    second = cli_build(source, out)
    assert second.exit_code == 0, second.output

    # 1. Every edit survived in the file, and the new article was added with its title.
    after = toml_path.read_text(encoding="utf-8")
    raw = tomllib.loads(after)
    new_id = raw["order"]["Science"][-1]
    assert all(line in after for line in edited.splitlines() if line.lstrip().startswith("#"))  # comments kept
    assert {k: v for k, v in raw.items() if k != "order"} == {
        k: v for k, v in tomllib.loads(edited).items() if k != "order"
    }
    assert raw["order"]["Business"] == [s[5]] and raw["order"]["Security"] == [s[6], s[3]]
    assert raw["subject"] == "Curated: the week in review" and raw["lead"] == s[2]
    assert raw["order"]["Science"] == [s[7], s[1], s[4], new_id]  # s[4] came back: only exclude removes
    assert f'"{new_id}", # Late breaking science story' in after
    assert (
        "2 articles the file did not list added at the end of their sections: "
        f"{articles[3]['title']}; Late breaking science story"
    ) in second.output
    assert "names article 'gone123', which is not in this issue; ignored" in second.output

    html = (out / f"{WEEK}.html").read_text(encoding="utf-8")
    text = (out / f"{WEEK}.txt").read_text(encoding="utf-8")
    manifest = json.loads((out / f"{WEEK}.json").read_text(encoding="utf-8"))
    title = {n: articles[n - 1]["title"] for n in range(1, 9)}

    # 2. The HTML.
    assert "Welcome to <strong>week 47</strong>." in html and "&lt;i&gt;raw&lt;/i&gt;" in html
    assert 'href="https://desk.example.com"' in html
    assert "Sharper &amp; bolder headline" in html and title[6] not in html
    assert "The editor&#39;s own summary of six." in html or "The editor's own summary of six." in html
    assert title[3] not in html
    body = html[html.index("Welcome to") :]  # after the preheader, which starts with the lead's title too
    assert before(body, title[2], ">Science<")
    assert before(html, title[7], title[1]) and before(html, title[1], title[4]) and before(html, title[4], title[8])
    assert before(html, ">Science<", ">Security<")
    assert before(html, "Sharper &amp; bolder headline", title[5])  # s[5] moved to Security, after s[6]

    # 3. The plain text.
    assert "Welcome to week 47" in text and "<i>raw</i>" in text
    assert "Sharper & bolder headline" in text and title[6] not in text
    assert "The editor's own summary of six." in text and title[3] not in text
    assert before(text, "Welcome to week 47", title[2])
    assert before(text, title[7], title[1]) and before(text, title[1], title[4]) and before(text, title[4], title[8])
    assert before(text, "\nScience\n", "\nSecurity\n")
    assert before(text, "Sharper & bolder headline", title[5])

    # 4. The manifest.
    assert manifest["subject"] == "Curated: the week in review"
    assert manifest["lead"]["id"] == s[2]
    assert [sec["name"] for sec in manifest["sections"]] == ["Science", "Security"]  # Business emptied by the moves
    assert manifest["sections"][0]["articles"] == [s[7], s[1], s[4], new_id]
    assert manifest["sections"][1]["articles"] == [s[6], s[5]]
    record = {a["id"]: a for a in manifest["articles"]}
    assert s[3] not in record
    assert (record[s[6]]["title"], record[s[6]]["summary"], record[s[6]]["summary_origin"]) == (
        "Sharper & bolder headline",
        "The editor's own summary of six.",
        "editor",
    )
    assert record[s[5]]["section"] == "Security"
    assert record[s[1]]["summary_origin"] != "editor"

    # 5. The archive shows the curated issue.
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Curated: the week in review" in index and title[2] in index
    web = (out / "web" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "Welcome to <strong>week 47</strong>." in web and "__DIGEST_" not in web

    # 6. A third build with nothing new changes nothing in the file.
    third = cli_build(source, out)
    assert third.exit_code == 0 and toml_path.read_text(encoding="utf-8") == after
    assert "did not list" not in third.output
