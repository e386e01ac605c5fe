"""`digest serve` over real HTTP: one-click unsubscribe, the confirmation page, the archive, bad tokens."""

import re
import threading

import pytest
import requests

from digest.config import settings_from
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.serve import make_http_server
from digest.subscribers import SubscriberStore
from digest.tokens import make_token
from serve_process import digest_env, running_digest
from smtp_servers import ISSUE_ID, write_issue

SECRET = b"serve-test-secret-0123456789"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def site(tmp_path):
    write_issue(tmp_path / "issues")
    settings = settings_from(out=tmp_path / "issues", state_dir=tmp_path / "state")
    server = make_http_server(settings, SECRET, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", SubscriberStore.in_state_dir(tmp_path / "state")
    server.shutdown()
    server.server_close()


def test_one_click_post_unsubscribes_at_once(site):
    base, store = site
    token = make_token("ann@example.com", SECRET)
    resp = requests.post(f"{base}/u/{token}", data=ONE_CLICK, timeout=5)
    assert resp.status_code == 200
    assert "You are unsubscribed." in resp.text and "ann@example.com" in resp.text
    assert store.suppression("ann@example.com") == "unsubscribed"
    again = requests.post(f"{base}/u/{token}", data=ONE_CLICK, timeout=5)
    assert again.status_code == 200  # idempotent
    assert resp.headers["Cache-Control"] == "no-store" and resp.headers["Referrer-Policy"] == "no-referrer"


def test_one_click_as_multipart_form_data_as_rfc_8058_recommends(site):
    base, store = site
    token = make_token("mia@example.com", SECRET)
    resp = requests.post(f"{base}/u/{token}", files={"List-Unsubscribe": (None, "One-Click")}, timeout=5)
    assert resp.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert resp.status_code == 200 and store.suppression("mia@example.com") == "unsubscribed"
    wrong = requests.post(
        f"{base}/u/{make_token('max@example.com', SECRET)}", files={"List-Unsubscribe": (None, "Maybe")}, timeout=5
    )
    assert wrong.status_code == 400 and store.suppression("max@example.com") is None


def test_get_shows_a_confirmation_page_whose_button_posts(site):
    base, store = site
    token = make_token("bob@example.com", SECRET)
    page = requests.get(f"{base}/u/{token}", timeout=5)
    assert page.status_code == 200 and "Unsubscribe from The Circuit Weekly?" in page.text
    assert store.suppression("bob@example.com") is None  # a GET (link scanners) changes nothing
    form = re.search(r'<form method="post" action="([^"]+)">.*?name="([^"]+)" value="([^"]+)"', page.text)
    assert form and form.groups() == (token, "List-Unsubscribe", "One-Click")  # relative to /u/
    done = requests.post(f"{base}/u/{form.group(1)}", data={form.group(2): form.group(3)}, timeout=5)
    assert done.status_code == 200 and store.suppression("bob@example.com") == "unsubscribed"


def test_bad_tokens_get_the_same_400_that_reveals_nothing(site):
    base, store = site
    good = make_token("ann@example.com", SECRET)
    other = make_token("ann@example.com", b"some-other-secret-123456")
    answers = []
    for token, data in (
        (good[:-2] + "xx", ONE_CLICK),
        (other, ONE_CLICK),
        ("garbage", ONE_CLICK),
        (good, {"List-Unsubscribe": "Yes"}),
        (good, None),
    ):
        resp = requests.post(f"{base}/u/{token}", data=data, timeout=5)
        answers.append((resp.status_code, resp.text))
    answers.append((lambda r: (r.status_code, r.text))(requests.get(f"{base}/u/{other}", timeout=5)))
    assert {status for status, _ in answers} == {400}
    assert len({body for _, body in answers}) == 1
    assert "ann@example.com" not in answers[0][1] and "This link is not valid." in answers[0][1]
    assert store.suppressed_keys() == set()


def test_archive_lists_and_serves_issues_without_placeholders(site):
    base, _ = site
    index = requests.get(f"{base}/", timeout=5)
    assert index.status_code == 200 and f'href="web/{ISSUE_ID}.html"' in index.text
    page = requests.get(f"{base}/web/{ISSUE_ID}.html", timeout=5)
    assert page.status_code == 200 and "Hello , caf\u00e9" in page.text
    assert UNSUBSCRIBE_PLACEHOLDER not in page.text and RECIPIENT_NAME_PLACEHOLDER not in page.text
    assert 'href="/unsubscribe"' in page.text and page.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{base}/unsubscribe", timeout=5).status_code == 200
    assert requests.get(f"{base}/2026-W01.html", timeout=5).status_code == 404
    assert requests.get(f"{base}/..%2f..%2fetc%2fpasswd", timeout=5).status_code == 404
    assert requests.delete(f"{base}/", timeout=5).status_code == 405
    assert requests.get(f"{base}/feed.xml", timeout=5).status_code == 404  # not built here


def test_the_built_archive_is_served_as_written(site, tmp_path):
    base, _ = site
    out = tmp_path / "issues"
    (out / "web").mkdir()
    (out / "index.html").write_text("<h1>Archive</h1>", encoding="utf-8")
    (out / "feed.xml").write_text("<feed/>", encoding="utf-8")
    (out / "web" / f"{ISSUE_ID}.html").write_text("<h1>Web version</h1>", encoding="utf-8")
    assert requests.get(f"{base}/", timeout=5).text == "<h1>Archive</h1>"
    feed = requests.get(f"{base}/feed.xml", timeout=5)
    assert feed.text == "<feed/>" and feed.headers["Content-Type"].startswith("application/atom+xml")
    for path in (f"/web/{ISSUE_ID}.html", f"/{ISSUE_ID}.html"):
        assert requests.get(base + path, timeout=5).text == "<h1>Web version</h1>"


def test_digest_serve_command_runs_a_real_server(tmp_path):
    write_issue(tmp_path / "issues")
    env = digest_env(
        DIGEST_SECRET=SECRET.decode(), DIGEST_OUT=str(tmp_path / "issues"), DIGEST_STATE_DIR=str(tmp_path / "state")
    )
    with running_digest("serve", "--port", "0", cwd=tmp_path, env=env) as server:
        token = make_token("dee@example.com", SECRET)
        resp = requests.post(f"{server.base}/u/{token}", data=ONE_CLICK, timeout=5)
        assert resp.status_code == 200
        assert SubscriberStore.in_state_dir(tmp_path / "state").suppression("dee@example.com") == "unsubscribed"


def test_digest_serve_without_secret_is_one_line(tmp_path):
    from typer.testing import CliRunner

    import digest.cli  # noqa: F401
    from digest.cli.app import app

    result = CliRunner().invoke(app, ["serve"], env={"DIGEST_SECRET": ""})
    assert result.exit_code == 1 and result.stderr.startswith("error: DIGEST_SECRET is not set")


def test_the_links_a_subscriber_received_over_smtp_unsubscribe_them_over_http(site, tmp_path):
    # End to end: the issue goes out through a real SMTP server with `unsubscribe_url` pointing at
    # this real `digest serve`; each recipient's header, HTML and text carry their own link, and
    # POSTing it (as Gmail's one-click does) takes them off the next issue.
    from typer.testing import CliRunner

    import digest.cli  # noqa: F401
    from digest.cli.app import app
    from smtp_servers import Recorder, start, write_config, write_csv

    base, store = site
    rec = Recorder()
    ctl = start(rec)
    try:
        cfg = write_config(
            tmp_path, smtp=ctl.url, unsubscribe_url=base, backoff=0.01, unsubscribe_mailto="unsubscribe@example.com"
        )
        subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann"), ("bob@example.com", "Bob")])

        def send(issue_id):
            return CliRunner().invoke(
                app,
                ["send", issue_id, "-c", str(cfg), "--subscribers", str(subs)],
                env={"DIGEST_SECRET": SECRET.decode()},
            )

        assert send(ISSUE_ID).exit_code == 0
        links = {}
        for received in rec.messages:
            msg = received.parsed()
            https, mailto = re.fullmatch(r"<([^>]+)>, <([^>]+)>", msg["List-Unsubscribe"]).groups()
            assert mailto == "mailto:unsubscribe@example.com?subject=unsubscribe"
            assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert https.startswith(f"{base}/u/v2.")
            assert f'href="{https}"' in msg.get_body(("html",)).get_content()
            assert f"Unsubscribe: {https}\r\n" in msg.get_body(("plain",)).get_content()  # CRLF, as on the wire
            links[received.rcpt_tos[0]] = https
        assert set(links) == {"ann@example.com", "bob@example.com"} and len(set(links.values())) == 2
        assert requests.get(links["bob@example.com"], timeout=5).status_code == 200
        assert store.suppression("bob@example.com") is None  # a link scanner's GET changes nothing
        ann_sig = links["ann@example.com"].rsplit(".", 1)[1]
        forged = links["bob@example.com"].rsplit(".", 1)[0] + "." + ann_sig
        assert requests.post(forged, data=ONE_CLICK, timeout=5).status_code == 400
        assert store.suppression("bob@example.com") is None
        clicked = requests.post(links["bob@example.com"], data=ONE_CLICK, timeout=5)
        assert clicked.status_code == 200 and store.suppression("bob@example.com") == "unsubscribed"
        write_issue(tmp_path / "issues", "2026-W48")
        nxt = send("2026-W48")
        assert nxt.exit_code == 0, nxt.output
        assert nxt.stdout.startswith("2026-W48: sent 1, skipped 0, deferred 0, failed 0, suppressed 1")
        assert rec.recipients() == {"ann@example.com": 2, "bob@example.com": 1}
    finally:
        ctl.stop()
