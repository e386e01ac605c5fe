"""Secrets that rotate: key ids, DIGEST_SECRET_PREVIOUS, links of the old format, confirmation tokens."""

import base64
import hashlib
import hmac

import pytest
import requests

from digest.errors import ConfigError
from digest.subscribers import SubscriberStore
from digest.tokens import key_id, make_confirm_token, make_token, secrets_from_env, verify_confirm_token, verify_token
from serve_process import digest_env, running_digest

OLD = b"the-secret-before-rotation-0001"
NEW = b"the-secret-after-rotation-00002"


def _v1_token(address: str, secret: bytes) -> str:
    # The earlier link format (no key id), computed independently of digest's code.
    raw = address.encode()
    mac = hmac.new(secret, b"digest-unsubscribe\x00" + raw, hashlib.sha256).digest()[:16]
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return f"v1.{b64(raw)}.{b64(mac)}"


def test_tokens_carry_the_key_id_and_previous_secrets_still_verify():
    token = make_token("ann@example.com", OLD)
    assert token.split(".")[1] == key_id(OLD) != key_id(NEW)
    assert verify_token(token, [NEW]) is None
    assert verify_token(token, [NEW, OLD]) == "ann@example.com"
    assert verify_token(_v1_token("bob@example.com", OLD), [NEW, OLD]) == "bob@example.com"
    assert verify_token(_v1_token("bob@example.com", OLD), [NEW]) is None


def test_secrets_from_env_reads_the_previous_list():
    env = {"DIGEST_SECRET": NEW.decode(), "DIGEST_SECRET_PREVIOUS": f" {OLD.decode()} , , y{'x' * 20}"}
    assert secrets_from_env(env) == (NEW, OLD, b"y" + b"x" * 20)
    assert secrets_from_env({"DIGEST_SECRET": NEW.decode()}) == (NEW,)
    with pytest.raises(ConfigError, match=r"^DIGEST_SECRET_PREVIOUS is too short"):
        secrets_from_env({"DIGEST_SECRET": NEW.decode(), "DIGEST_SECRET_PREVIOUS": "short"})


def test_confirmation_tokens_expire_and_never_unsubscribe():
    token = make_confirm_token("Ann@Example.com", 2_000, NEW)
    assert verify_confirm_token(token, [OLD, NEW], now=1_999) == "ann@example.com"
    assert verify_confirm_token(token, [NEW], now=2_001) is None
    assert verify_token(token, [NEW]) is None  # another purpose
    assert verify_confirm_token(make_token("ann@example.com", NEW), [NEW], now=0) is None


def test_a_link_signed_before_a_rotation_still_unsubscribes_after_it(tmp_path):
    before = make_token("dee@example.com", OLD)
    legacy = _v1_token("eve@example.com", OLD)
    env = digest_env(
        DIGEST_SECRET=NEW.decode(),
        DIGEST_SECRET_PREVIOUS=OLD.decode(),
        DIGEST_OUT=str(tmp_path / "issues"),
        DIGEST_STATE_DIR=str(tmp_path / "state"),
    )
    with running_digest("serve", "--port", "0", cwd=tmp_path, env=env) as server:
        base = server.base
        for token in (before, legacy):
            resp = requests.post(f"{base}/u/{token}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
            assert resp.status_code == 200, resp.text
        forged = make_token("fay@example.com", b"a-secret-nobody-configured-000")
        assert requests.post(f"{base}/u/{forged}", data={"List-Unsubscribe": "One-Click"}, timeout=5).status_code == 400
        store = SubscriberStore.in_state_dir(tmp_path / "state")
        assert store.suppression("dee@example.com") == "unsubscribed"
        assert store.suppression("eve@example.com") == "unsubscribed"
        assert store.suppression("fay@example.com") is None
