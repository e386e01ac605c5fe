"""Unsubscribe tokens: round trip, tampering, wrong secret, and the secret's environment variable."""

import pytest

from digest.errors import ConfigError
from digest.tokens import make_token, message_key, secret_from_env, verify_token

SECRET = b"a-secret-of-at-least-16-chars"


def test_token_round_trip_is_case_insensitive_and_url_safe():
    token = make_token("Ann.Lee+news@Example.com", SECRET)
    assert verify_token(token, SECRET) == "ann.lee+news@example.com"
    assert token == make_token("ann.lee+news@example.com", SECRET)
    assert token.startswith("v2.") and all(c.isalnum() or c in "._-" for c in token)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: ".".join(make_token("bob@example.com", SECRET).split(".")[:3]) + "." + t.split(".")[3],  # swapped
        lambda t: "v1." + t.split(".", 2)[2],  # an old-style token made of new parts
        lambda t: "v3" + t[2:],
        lambda t: t.replace(t.split(".")[1], "00000000"),  # another key id
        lambda t: t.split(".", 1)[1],
        lambda t: t + ".x",
        lambda t: "v1.!!!.???",
        lambda t: "",
        lambda t: "v1." + "A" * 700 + ".B",
    ],
)
def test_tampered_or_malformed_tokens_do_not_verify(mutate):
    assert verify_token(mutate(make_token("ann@example.com", SECRET)), SECRET) is None


def test_another_secret_does_not_verify():
    assert verify_token(make_token("ann@example.com", SECRET), b"another-secret-0123456789") is None


def test_tokens_differ_per_address_and_are_unguessable_without_the_secret():
    a, b = make_token("ann@example.com", SECRET), make_token("ann@example.org", SECRET)
    assert a.split(".")[3] != b.split(".")[3] and len(a.split(".")[3]) == 22  # 128-bit signature


def test_message_key_is_stable_per_issue_and_recipient():
    assert message_key("2026-W47", "Ann@example.com", SECRET) == message_key("2026-W47", "ann@example.com", SECRET)
    assert message_key("2026-W47", "ann@example.com", SECRET) != message_key("2026-W48", "ann@example.com", SECRET)


def test_secret_from_env_requires_a_long_value():
    assert secret_from_env({"DIGEST_SECRET": "x" * 16}) == b"x" * 16
    with pytest.raises(ConfigError, match=r"^DIGEST_SECRET is not set: unsubscribe links are signed with it"):
        secret_from_env({})
    with pytest.raises(ConfigError, match=r"^DIGEST_SECRET is too short: use at least 16 random characters$"):
        secret_from_env({"DIGEST_SECRET": "short"})
