"""In-process verification of SSH signatures on git commits (SSHSIG, namespace ``git``).

``git verify-commit`` spends two ``ssh-keygen`` processes (~20 ms) per commit; checking the
same signature here with ``cryptography`` costs ~0.2 ms, which is what makes verifying a
whole bureau's history feasible. This module answers only "which key made a valid signature
over these bytes"; whether that key may sign (allowed signers, validity window) is decided by
the caller from the policy, exactly as git decides it from the allowed-signers file.

Formats: OpenSSH PROTOCOL.sshsig and RFC 4253/5656/8709 key and signature encodings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sys
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

Status = Literal["good", "bad", "unsigned", "openpgp", "unsupported"]

SIG_HEADER = b"gpgsig"  # the signature header of a SHA-1 repository's commits
_ARMOR_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = b"-----END SSH SIGNATURE-----"
_PGP_BEGIN = b"-----BEGIN PGP SIGNATURE-----"
_MAGIC = b"SSHSIG"
_HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}
_EC_CURVES = {
    "ecdsa-sha2-nistp256": (ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": (ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": (ec.SECP521R1(), hashes.SHA512()),
}
_RSA_SIGS = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512()}


@dataclass(frozen=True, slots=True)
class SigCheck:
    """The cryptographic verdict on one commit's signature.

    ``key`` is the signing public key as ``type base64`` (ssh) when the signature names one;
    ``reason`` is a message-catalogue key explaining a non-good status, ``detail`` its parameter.
    """

    status: Status
    key: str | None = None
    reason: str = ""
    detail: str = ""

    @property
    def good(self) -> bool:
        return self.status == "good"


class _Malformed(Exception):
    pass


class _Reader:
    """RFC 4251 ``string`` / ``uint32`` / ``mpint`` reader over a byte blob."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint32(self) -> int:
        if self.pos + 4 > len(self.data):
            raise _Malformed("truncated")
        value = int.from_bytes(self.data[self.pos : self.pos + 4], "big")
        self.pos += 4
        return value

    def string(self) -> bytes:
        n = self.uint32()
        if self.pos + n > len(self.data):
            raise _Malformed("truncated")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError:
            raise _Malformed("non-ASCII name") from None

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Malformed("truncated")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def done(self) -> None:
        if self.pos != len(self.data):
            raise _Malformed("trailing data")


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def split_signed_commit(raw: bytes, header: bytes = SIG_HEADER) -> tuple[bytes, bytes | None]:
    """Split a raw commit object into (signed payload, signature) exactly as git does.

    The ``header`` lines (with their space-led continuation lines) form the signature; any
    other ``gpgsig*`` header is dropped from the payload as well (git's
    ``parse_buffer_signed_by_header``). Everything from the blank line on is payload.
    """
    payload: list[bytes] = []
    signature: list[bytes] = []
    in_sig = other_sig = saw = False
    lines = raw.split(b"\n")
    for i, line in enumerate(lines):
        is_last = i == len(lines) - 1
        nl = b"" if is_last else b"\n"
        if line == b"" and not is_last:
            payload.append(b"\n".join(lines[i:]))
            break
        if in_sig and line.startswith(b" "):
            signature.append(line[1:] + nl)
            continue
        if line.startswith(header + b" "):
            signature.append(line[len(header) + 1 :] + nl)
            in_sig = saw = True
            other_sig = False
            continue
        if line.startswith(b"gpgsig"):
            other_sig = True
        elif other_sig and not line.startswith(b" "):
            other_sig = False
        in_sig = False
        if not other_sig:
            payload.append(line + nl)
    return b"".join(payload), (b"".join(signature) if saw else None)


def key_string(blob: bytes) -> str:
    """``type base64`` of an ssh public key blob (the allowed-signers/people.yaml form)."""
    kind = _Reader(blob).text()
    return f"{kind} {base64.b64encode(blob).decode()}"


def _dearmor(armored: bytes) -> bytes:
    text = armored.strip()
    if not (text.startswith(_ARMOR_BEGIN) and text.endswith(_ARMOR_END)):
        raise _Malformed("no SSH SIGNATURE armor")
    body = b"".join(text[len(_ARMOR_BEGIN) : -len(_ARMOR_END)].split())
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _Malformed("bad base64") from None


def _verify_raw(key_blob: bytes, sig_blob: bytes, data: bytes) -> bool | None:
    """Whether ``sig_blob`` (an ssh signature) over ``data`` verifies under ``key_blob``.

    None when the key or signature algorithm is one we do not check in process.
    """
    key = _Reader(key_blob)
    kind = key.text()
    sig = _Reader(sig_blob)
    sig_kind = sig.text()
    value = sig.string()
    sig.done()
    try:
        if kind == "ssh-ed25519":
            pub = key.string()
            key.done()
            if sig_kind != kind or len(pub) != 32 or len(value) != 64:
                return False
            Ed25519PublicKey.from_public_bytes(pub).verify(value, data)
            return True
        if kind == "ssh-rsa":
            e, n = key.mpint(), key.mpint()
            key.done()
            if sig_kind not in _RSA_SIGS or n.bit_length() < 1024:
                return False
            rsa.RSAPublicNumbers(e, n).public_key().verify(value, data, padding.PKCS1v15(), _RSA_SIGS[sig_kind])
            return True
        if kind in _EC_CURVES:
            curve, digest = _EC_CURVES[kind]
            key.text()  # curve name, implied by the key type
            point = key.string()
            key.done()
            if sig_kind != kind:
                return False
            rs = _Reader(value)
            r, s = rs.mpint(), rs.mpint()
            rs.done()
            pub_ec = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
            pub_ec.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
            return True
    except InvalidSignature:
        return False
    except ValueError:  # invalid point, key parameters or signature encoding
        return False
    return None


def verify_sshsig(message: bytes, armored: bytes, namespace: str = "git") -> SigCheck:
    """Check an armored SSHSIG over ``message`` made in ``namespace``; name the key that made it."""
    try:
        blob = _reader_for(armored)
        key_blob = blob.string()
        sig_namespace = blob.text()
        reserved = blob.string()
        hash_alg = blob.text()
        sig_blob = blob.string()
        blob.done()
        key = sys.intern(key_string(key_blob))  # one string for a signer's every verdict (and pickled once)
    except _Malformed as exc:
        return SigCheck("bad", None, "sshsig.malformed", str(exc))
    if sig_namespace != namespace:
        return SigCheck("bad", key, "sshsig.namespace", sig_namespace)
    if hash_alg not in _HASHES:
        return SigCheck("unsupported", key, "sshsig.unsupported", hash_alg)
    signed = (
        _MAGIC + _string(sig_namespace.encode()) + _string(reserved) + _string(hash_alg.encode())
        + _string(_HASHES[hash_alg](message).digest())
    )
    try:
        ok = _verify_raw(key_blob, sig_blob, signed)
    except _Malformed as exc:
        return SigCheck("bad", key, "sshsig.malformed", str(exc))
    if ok is None:
        return SigCheck("unsupported", key, "sshsig.unsupported", key.split(" ", 1)[0])
    return SigCheck("good", key) if ok else SigCheck("bad", key, "sshsig.bad")


def _reader_for(armored: bytes) -> _Reader:
    blob = _Reader(_dearmor(armored))
    if blob.raw(len(_MAGIC)) != _MAGIC:
        raise _Malformed("not an SSHSIG blob")
    if blob.uint32() != 1:
        raise _Malformed("unknown SSHSIG version")
    return blob


def verify_commit(raw: bytes) -> SigCheck:
    """The cryptographic verdict on a raw commit object (``git cat-file commit`` bytes).

    OpenPGP signatures are not checked here: they come back as ``openpgp`` for the caller
    to hand to ``git verify-commit``.
    """
    payload, signature = split_signed_commit(raw)
    if signature is None:
        return SigCheck("unsigned", None, "sshsig.unsigned")
    if signature.lstrip().startswith(_PGP_BEGIN):
        return SigCheck("openpgp", None, "sshsig.openpgp")
    return verify_sshsig(payload, signature)
