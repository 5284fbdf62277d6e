"""Signature and AES vectors (wechatpy's published test vectors for WeChat's 消息加解密), and refusals."""

from __future__ import annotations

import pytest
from wechatpy.crypto import PrpCrypto

from channels.config import WeChatConfig
from channels.wechat_security import (
    MAX_BODY_BYTES,
    RequestRejected,
    check_query,
    open_body,
    open_reply,
    parse_xml,
    seal_inbound,
    seal_reply,
    sign,
)

# The vector set of wechatpy's tests/test_crypto.py (token, EncodingAESKey, AppID, ciphertexts).
TOKEN = "123456"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
APP_ID = "wx49f0ab532d5d035a"
TIMESTAMP, NONCE = "1411525903", "461056294"
ENCRYPTED = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGym"
    "zxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hI"
    "iOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYE"
    "vccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
MSG_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
SEALED_REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtOb"
    "vesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8"
    "NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O"
    "5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
SEALED_REPLY_SIGNATURE = "407518b7649e86ef23978113f92d27afa9296533"


def config(safe: bool = True, token: str = TOKEN) -> WeChatConfig:
    return WeChatConfig(
        token=token,
        app_id=APP_ID,
        app_secret="secret",
        encoding_aes_key=AES_KEY if safe else None,
        api_base="http://127.0.0.1:9",
        passive_seconds=4.0,
        redis_url=None,
    )


def test_plain_signature_vector() -> None:
    assert sign("token", "timestamp", "nonce") == "6db4861c77e0633e0105672fcd41c9fc2766e26e"


def test_msg_signature_vector() -> None:
    assert sign(TOKEN, TIMESTAMP, NONCE, ENCRYPTED) == MSG_SIGNATURE


def safe_args(**override: str) -> dict:
    args = {
        "signature": sign(TOKEN, TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "msg_signature": MSG_SIGNATURE,
        "encrypt_type": "aes",
    }
    args.update(override)
    return args


SAFE_BODY = (
    f"<xml><ToUserName><![CDATA[{APP_ID}]]></ToUserName><Encrypt><![CDATA[{ENCRYPTED}]]></Encrypt></xml>".encode()
)


def test_decrypts_the_published_ciphertext() -> None:
    plaintext = open_body(config(), safe_args(), SAFE_BODY, now=float(TIMESTAMP))
    root = parse_xml(plaintext.encode())
    assert root.findtext("Content") == "test"
    assert root.findtext("FromUserName") == "messense"


def test_encrypts_the_published_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PrpCrypto, "get_random_string", lambda self: "1234567890123456")
    sealed = seal_reply(config(), REPLY, NONCE, TIMESTAMP)
    root = parse_xml(sealed.encode())
    assert root.findtext("Encrypt") == SEALED_REPLY_ENCRYPT
    assert root.findtext("MsgSignature") == SEALED_REPLY_SIGNATURE
    assert open_reply(config(), sealed.encode()) == REPLY


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"msg_signature": "0" * 40}, 403),
        ({"signature": "0" * 40}, 403),
        ({"signature": ""}, 403),
        ({"nonce": "461056295"}, 403),
        ({"timestamp": "abc"}, 403),
    ],
)
def test_forged_safe_mode_requests_are_refused(override: dict, status: int) -> None:
    with pytest.raises(RequestRejected) as refused:
        open_body(config(), safe_args(**override), SAFE_BODY, now=float(TIMESTAMP))
    assert refused.value.status == status


def test_ciphertext_for_another_app_is_refused() -> None:
    other = WeChatConfig(**{**config().__dict__, "app_id": "wx0000000000000000"})
    with pytest.raises(RequestRejected) as refused:
        open_body(other, safe_args(), SAFE_BODY, now=float(TIMESTAMP))
    assert refused.value.status == 403


@pytest.mark.parametrize("skew", [-301, 301, 86400])
def test_stale_timestamps_are_refused(skew: int) -> None:
    with pytest.raises(RequestRejected, match="stale"):
        check_query(
            config(False),
            {"signature": sign(TOKEN, TIMESTAMP, NONCE), "timestamp": TIMESTAMP, "nonce": NONCE},
            now=float(TIMESTAMP) + skew,
        )


def test_fresh_timestamp_within_five_minutes_passes() -> None:
    check_query(
        config(False),
        {"signature": sign(TOKEN, TIMESTAMP, NONCE), "timestamp": TIMESTAMP, "nonce": NONCE},
        now=float(TIMESTAMP) + 299,
    )


XXE = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>'
)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"not xml",
        b"<xml><Content>unclosed",
        XXE,
        BOMB,
        b"<html></html>",
        b"<xml>" + b"a" * MAX_BODY_BYTES + b"</xml>",
    ],
    ids=["empty", "blank", "text", "unclosed", "xxe", "billion-laughs", "wrong-root", "oversized"],
)
def test_malformed_xml_is_a_400(body: bytes) -> None:
    with pytest.raises(RequestRejected) as refused:
        parse_xml(body)
    assert refused.value.status == 400


def test_xxe_inside_the_ciphertext_is_refused_too() -> None:
    cfg = config()
    sealed = seal_inbound(cfg, XXE.decode(), TIMESTAMP, NONCE)
    with pytest.raises(RequestRejected) as refused:
        open_body(cfg, sealed.query, sealed.body, now=float(TIMESTAMP))
    assert refused.value.status == 400


@pytest.mark.parametrize("safe", [True, False])
def test_what_the_simulator_seals_the_channel_opens(safe: bool) -> None:
    cfg = config(safe)
    message = "<xml><FromUserName>o1</FromUserName><Content>我想开一家火锅店 😀</Content></xml>"
    sealed = seal_inbound(cfg, message, TIMESTAMP, NONCE)
    assert ("msg_signature" in sealed.query) is safe
    assert open_body(cfg, sealed.query, sealed.body, now=float(TIMESTAMP)) == message


def test_plaintext_mode_reply_is_not_encrypted() -> None:
    assert seal_reply(config(False), REPLY, NONCE, TIMESTAMP) == REPLY
