"""Tokens of the screen: signed one-time login links, kiosk links and session ids.

A login token is `nonce.expiry.signature`: the HMAC-SHA256 of the first two parts under the
screen's key, so a forged or altered link is refused before the database is asked; then its
row (kept as a SHA-256 hash, never the token) is spent once, in one transaction. Session ids
and kiosk tokens are random; only their hashes are stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime


def digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def random_token(size: int = 32) -> str:
    """A random URL-safe token."""
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


def _signature(key: str, kind: str, body: str) -> str:
    mac = hmac.new(key.encode(), f"{kind}.{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign_login(key: str, expires_at: datetime) -> str:
    """A new login token valid until `expires_at`."""
    body = f"{random_token(18)}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(key, 'login', body)}"


def check_login(key: str, token: str, now: datetime) -> bool:
    """Whether a login token is well formed, signed with our key and not expired (the
    database then says whether it was issued and is unused)."""
    if len(token) > 200:
        return False
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(key, "login", body), parts[2]):
        return False
    return int(parts[1]) > now.timestamp()


def sign_kiosk(key: str) -> str:
    """A new kiosk token (valid until revoked)."""
    body = random_token(24)
    return f"{body}.{_signature(key, 'kiosk', body)}"


def check_kiosk(key: str, token: str) -> bool:
    """Whether a kiosk token is well formed and signed with our key."""
    body, _, signature = token.partition(".")
    if not body or len(token) > 200:
        return False
    return hmac.compare_digest(_signature(key, "kiosk", body), signature)
