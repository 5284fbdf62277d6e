"""Session tokens of the web widget: minted by the server, unforgeable, the same on both sides."""

from __future__ import annotations

import pytest

from channels.webchat_session import SessionSecretMissing, SessionSigner

# The shared vector: backend/tests/test_ratings.py asserts the backend verifies the same token.
VECTOR_SECRET = "vector-secret-0123456789"
VECTOR_ID = "web-00112233445566778899aabbccddeeff"
VECTOR_TOKEN = "web-00112233445566778899aabbccddeeff.dal0titfsBh1F_ElLnfuVPAFrEJPy1xvthvlueUYCkU"


def test_shared_vector() -> None:
    signer = SessionSigner(VECTOR_SECRET)
    assert signer.token(VECTOR_ID) == VECTOR_TOKEN
    assert signer.verify(VECTOR_TOKEN) == VECTOR_ID


def test_new_sessions_are_random_and_verify() -> None:
    signer = SessionSigner("a-long-enough-secret")
    first, second = signer.new(), signer.new()
    assert first[0] != second[0] and first[0].startswith("web-") and len(first[0]) == 36
    assert signer.verify(first[1]) == first[0]


@pytest.mark.parametrize(
    "token",
    [
        None,
        42,
        "",
        VECTOR_ID,  # an id without its signature: a client cannot choose a conversation
        VECTOR_ID + ".",
        VECTOR_ID + ".AAAA",
        "web-00112233445566778899aabbccddeefF." + VECTOR_TOKEN.split(".")[1],  # another id, same mac
        "rest-user." + VECTOR_TOKEN.split(".")[1],  # a non-widget sender id
        VECTOR_TOKEN + "x" * 200,
    ],
)
def test_anything_but_a_genuine_token_is_refused(token: object) -> None:
    assert SessionSigner(VECTOR_SECRET).verify(token) is None


def test_another_secret_does_not_verify() -> None:
    assert SessionSigner("another-secret-0123456789").verify(VECTOR_TOKEN) is None


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_no_secret_no_channel(secret: object) -> None:
    with pytest.raises(SessionSecretMissing, match="WEBCHAT_SECRET"):
        SessionSigner(secret)  # type: ignore[arg-type]


def test_without_a_secret_only_the_widget_channel_is_closed() -> None:
    from channels.webchat import WebchatInput

    channel = WebchatInput(None)
    assert channel.signer is None and channel.problem is not None and "WEBCHAT_SECRET" in channel.problem
    assert WebchatInput("a-long-enough-secret").problem is None
