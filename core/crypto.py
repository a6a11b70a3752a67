"""Encryption of personal data at rest (seed 000: customer data is encrypted, never leaked).

One secret from the settings yields three keys, derived once when the Cipher is built: a Fernet key
for names and phone numbers, an HMAC key for a keyed hash of the phone number (so that a lookup by
phone works without decrypting all), and an AES-GCM key that seals whole blobs, such as the outbox's
messages (`seal`/`unseal`: several times cheaper than Fernet per message, and binary, not base64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
        self._aead = AESGCM(_derive(secret, b"guanjia-sealed-blob"))

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

    def seal(self, data: bytes) -> bytes:
        """`data` encrypted and authenticated: a version byte, a random 96-bit nonce, then the
        AES-GCM ciphertext with its tag."""
        nonce = os.urandom(_NONCE_BYTES)
        return _SEALED + nonce + self._aead.encrypt(nonce, data, None)

    def unseal(self, token: bytes) -> bytes:
        if not is_sealed(token):
            raise ValueError("not a sealed blob")
        nonce, body = token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, None)
        except InvalidTag as exc:
            raise ValueError("personal data was encrypted with another DATA_KEY") from exc


_SEALED = b"\x01"  # the version byte of `seal`; never the first byte of JSON text
_NONCE_BYTES = 12


def is_sealed(token: bytes) -> bool:
    return token[:1] == _SEALED
