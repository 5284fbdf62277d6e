"""Checking and opening what WeChat's servers send, and sealing what goes back.

Governing spec: 公众号 "接入指南" (signature = sha1 of the sorted token, timestamp, nonce) and
"消息加解密说明" (安全模式: msg_signature over token, timestamp, nonce and Encrypt; AES-256-CBC with the
EncodingAESKey, PKCS#7, random(16) + length + xml + AppID). wechatpy does the AES work; signatures are
compared here in constant time (wechatpy compares with ``!=``), and XML is parsed with defusedxml
before wechatpy sees it, so DTDs, entities and external references never reach an XML parser that
would expand them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, Optional

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from channels.config import WeChatConfig

MAX_BODY_BYTES = 64 * 1024
"""WeChat's own messages are a few hundred bytes; anything this large is not from WeChat."""


class RequestRejected(Exception):
    """A request that must not reach the dialogue engine; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's protocol


def signature_matches(expected: str, given: Optional[str]) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def check_query(config: WeChatConfig, args: Dict[str, str], now: Optional[float] = None) -> None:
    """Plain signature and timestamp freshness of a GET or POST; raises RequestRejected(403)."""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not timestamp or not nonce:
        raise RequestRejected(403, "missing timestamp or nonce")
    if not signature_matches(sign(config.token, timestamp, nonce), args.get("signature")):
        raise RequestRejected(403, "bad signature")
    check_fresh(config, timestamp, now)


def check_fresh(config: WeChatConfig, timestamp: str, now: Optional[float] = None) -> None:
    try:
        sent = int(timestamp)
    except ValueError as error:
        raise RequestRejected(403, "timestamp is not a number") from error
    if abs((time.time() if now is None else now) - sent) > config.timestamp_skew:
        raise RequestRejected(403, "stale timestamp")


def parse_xml(body: bytes) -> ET.Element:
    """The ``<xml>`` root of a WeChat message; malformed, DTD-carrying or oversized → 400."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestRejected(400, "body too large")
    if not body.strip():
        raise RequestRejected(400, "empty body")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as error:
        raise RequestRejected(400, f"malformed xml ({type(error).__name__})") from error
    if root.tag != "xml":
        raise RequestRejected(400, "root element is not <xml>")
    return root


def open_body(config: WeChatConfig, args: Dict[str, str], body: bytes, now: Optional[float] = None) -> str:
    """The plaintext message XML of a POST: signature checked, decrypted in safe mode."""
    check_query(config, args, now)
    root = parse_xml(body)
    if not config.safe_mode:
        return body.decode("utf-8")
    encrypted = root.findtext("Encrypt")
    if not encrypted:
        raise RequestRejected(400, "safe mode: no <Encrypt>")
    expected = sign(config.token, args["timestamp"], args["nonce"], encrypted)
    if not signature_matches(expected, args.get("msg_signature")):
        raise RequestRejected(403, "bad msg_signature")
    try:
        plaintext = PrpCrypto(_aes_key(config)).decrypt(encrypted, config.app_id)
    except InvalidAppIdException as error:
        raise RequestRejected(403, "encrypted for another AppID") from error
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise RequestRejected(400, "undecryptable <Encrypt>") from error
    parse_xml(plaintext.encode("utf-8"))  # the inner message gets the same scrutiny
    return str(plaintext)


def seal_reply(config: WeChatConfig, reply_xml: str, nonce: str, timestamp: Optional[str] = None) -> str:
    """The passive reply as WeChat expects it: as is, or encrypted and signed in safe mode."""
    if not config.safe_mode:
        return reply_xml
    crypto = WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)
    return str(crypto.encrypt_message(reply_xml, nonce, timestamp))


def _aes_key(config: WeChatConfig) -> bytes:
    import base64

    return base64.b64decode((config.encoding_aes_key or "") + "=")


@dataclass(frozen=True)
class SealedMessage:
    """What WeChat's server sends: the query string and the body (used by the simulator and tests)."""

    query: Dict[str, str]
    body: bytes


def seal_inbound(config: WeChatConfig, message_xml: str, timestamp: str, nonce: str) -> SealedMessage:
    """Sign (and in safe mode encrypt) a message exactly as WeChat's server does."""
    query = {"signature": sign(config.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if not config.safe_mode:
        return SealedMessage(query, message_xml.encode("utf-8"))
    encrypted = PrpCrypto(_aes_key(config)).encrypt(message_xml, config.app_id).decode()
    query["encrypt_type"] = "aes"
    query["msg_signature"] = sign(config.token, timestamp, nonce, encrypted)
    root = ET.Element("xml")
    ET.SubElement(root, "ToUserName").text = config.app_id
    ET.SubElement(root, "Encrypt").text = encrypted
    return SealedMessage(query, ET.tostring(root, encoding="utf-8"))


def open_reply(config: WeChatConfig, body: bytes) -> str:
    """The plaintext of a passive reply (``success`` stays ``success``), as WeChat's server reads it."""
    text = body.decode("utf-8")
    if not config.safe_mode or text in ("", "success"):
        return text
    root = parse_xml(body)
    encrypted = root.findtext("Encrypt") or ""
    expected = sign(config.token, root.findtext("TimeStamp") or "", root.findtext("Nonce") or "", encrypted)
    if not signature_matches(expected, root.findtext("MsgSignature")):
        raise RequestRejected(403, "reply has a bad MsgSignature")
    return str(PrpCrypto(_aes_key(config)).decrypt(encrypted, config.app_id))
