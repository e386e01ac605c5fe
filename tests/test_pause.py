"""Pause for a month from the unsubscribe page: one click, no issues until the date, then mail resumes."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests

from digest.config import settings_from
from digest.serve import make_http_server
from digest.subscribers import Subscriber, SubscriberStore, load_recipients
from digest.tokens import make_token
from smtp_servers import write_csv, write_issue

SECRET = b"pause-test-secret-0123456789"


@pytest.fixture
def site(tmp_path):
    write_issue(tmp_path / "issues")
    server = make_http_server(
        settings_from(out=tmp_path / "issues", state_dir=tmp_path / "state"), SECRET, "127.0.0.1", 0
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", SubscriberStore.in_state_dir(tmp_path / "state")
    server.shutdown()
    server.server_close()


def test_the_unsubscribe_page_offers_a_one_click_pause(site, tmp_path):
    base, store = site
    store.add(Subscriber("ann@example.com", "Ann"))
    token = make_token("ann@example.com", SECRET)
    page = requests.get(f"{base}/u/{token}", timeout=5)
    forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text)
    assert [f[0] for f in forms] == [token, f"../pause/{token}"] and "Pause for a month" in forms[1][1]
    resp = requests.post(requests.compat.urljoin(f"{base}/u/{token}", forms[1][0]), timeout=5)
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert resp.status_code == 200 and f"Paused: you will receive no issues until {until}." in resp.text
    assert store.status("ann@example.com") == "paused" and store.suppression("ann@example.com") is None
    assert load_recipients(None, store)[0] == []
    later = datetime.now(UTC) + timedelta(days=31)
    assert [s.email for s in load_recipients(None, store, later)[0]] == ["ann@example.com"]
    # An address from a CSV list (not on the stored list) pauses too.
    bob = make_token("bob@example.com", SECRET)
    assert requests.post(f"{base}/pause/{bob}", timeout=5).status_code == 200
    csv = write_csv(tmp_path / "l.csv", [("bob@example.com", "Bob"), ("cy@example.com", "Cy")])
    assert [s.email for s in load_recipients(csv, store)[0]] == ["cy@example.com"]
    assert requests.post(f"{base}/pause/{bob[:-2]}xx", timeout=5).status_code == 400
    assert requests.get(f"{base}/pause/{bob}", timeout=5).status_code == 405  # a GET pauses nothing
