"""Encryption of personal data at rest (seed 000: customer data is encrypted, never leaked).

One secret from the settings yields two keys: a Fernet key for names and phone numbers, and an HMAC
key for a keyed hash of the phone number, so that a lookup by phone works without decrypting all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def normalize_phone(phone: str) -> str:
    """Digits only, with mainland China's +86 country code dropped, so both spellings match."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def mask_phone(phone: str) -> str:
    digits = normalize_phone(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


class Cipher:
    def __init__(self, key: str) -> None:
        secret = base64.urlsafe_b64decode(key.encode())
        if len(secret) < 16:
            raise ValueError("DATA_KEY must hold at least 16 random bytes (base64)")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"guanjia-fernet")))
        self._hmac_key = _derive(secret, b"guanjia-phone-hash")

    def encrypt(self, text: str | None) -> bytes | None:
        return None if text is None else self._fernet.encrypt(text.encode())

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ValueError("personal data was encrypted with another DATA_KEY") from exc

    def phone_hash(self, phone: str) -> str:
        digest = hmac.new(self._hmac_key, normalize_phone(phone).encode(), hashlib.sha256)
        return digest.hexdigest()
