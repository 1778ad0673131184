#!/usr/bin/env python3
"""Generates sealroom-kat.json, Sealroom's own known-answer values for what
the RFC 9605 vectors do not cover: base keys of other lengths, extreme KID
and CTR values, the sender-key ratchet of RFC 9605 §5.1, and ratcheted keys
used to seal frames.

Written from the RFC 9605 text alone (§4.3, §4.4.2, §4.4.3, §4.5.1, §5.1),
with HKDF and HMAC over Python's hmac/hashlib and AES from the
`cryptography` package: an implementation independent of the Go code it
checks. Run once and checked in; rerunning gives the same file.

    python3 gen_kat.py > sealroom-kat.json
"""
import hashlib
import hmac
import json

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SUITES = {
    # id: (hash, Nh, Nka, Nk, Nt, gcm)
    1: (hashlib.sha256, 32, 16, 48, 10, False),
    2: (hashlib.sha256, 32, 16, 48, 8, False),
    3: (hashlib.sha256, 32, 16, 48, 4, False),
    4: (hashlib.sha256, 32, None, 16, 16, True),
    5: (hashlib.sha512, 64, None, 32, 16, True),
    6: (hashlib.sha512, 64, 32, 96, 10, False),
    7: (hashlib.sha512, 64, 32, 96, 8, False),
    8: (hashlib.sha512, 64, 32, 96, 4, False),
}


def hkdf_extract(h, salt, ikm):
    return hmac.new(salt, ikm, h).digest()


def hkdf_expand(h, prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:n]


def derive(suite, kid, base):
    h, nh, nka, nk, nt, gcm = SUITES[suite]
    secret = hkdf_extract(h, b"", base)
    tail = kid.to_bytes(8, "big") + suite.to_bytes(2, "big")
    key = hkdf_expand(h, secret, b"SFrame 1.0 Secret key " + tail, nk)
    salt = hkdf_expand(h, secret, b"SFrame 1.0 Secret salt " + tail, 12)
    return secret, key, salt


def ratchet(suite, base):
    h, nh = SUITES[suite][0], SUITES[suite][1]
    return hkdf_expand(h, hkdf_extract(h, b"", base), b"SFrame 1.0 Ratchet", nh)


def field(v):
    return b"" if v < 8 else v.to_bytes((v.bit_length() + 7) // 8, "big")


def header(kid, ctr):
    k, c = field(kid), field(ctr)
    cfg = (0x80 | (len(k) - 1) << 4) if k else kid << 4
    cfg |= (0x08 | (len(c) - 1)) if c else ctr
    return bytes([cfg]) + k + c


def aead_seal(suite, key, nonce, aad, pt):
    h, nh, nka, nk, nt, gcm = SUITES[suite]
    if gcm:
        return AESGCM(key).encrypt(nonce, pt, aad)
    enc_key, auth_key = key[:nka], key[nka:]
    enc = Cipher(algorithms.AES(enc_key), modes.CTR(nonce + b"\0\0\0\0")).encryptor()
    ct = enc.update(pt) + enc.finalize()
    mac_in = (len(aad).to_bytes(8, "big") + len(ct).to_bytes(8, "big")
              + nt.to_bytes(8, "big") + nonce + aad + ct)
    return ct + hmac.new(auth_key, mac_in, h).digest()[:nt]


def seal(suite, kid, ctr, base, metadata, pt):
    _, key, salt = derive(suite, kid, base)
    nonce = bytes(a ^ b for a, b in zip(salt, ctr.to_bytes(12, "big")))
    hdr = header(kid, ctr)
    return hdr + aead_seal(suite, key, nonce, hdr + metadata, pt)


def pattern(n, seed):
    return bytes((seed + 7 * i) & 0xFF for i in range(n))


out = {"derive": [], "ratchet": [], "sframe": []}

for suite in sorted(SUITES):
    for n in (0, 1, 15, 16, 32, 48, 64, 65, 96, 200):
        for kid in (0, 7, 0x123, 2**64 - 1):
            base = pattern(n, suite + n)
            secret, key, salt = derive(suite, kid, base)
            out["derive"].append({
                "cipher_suite": suite, "kid": kid, "base_key": base.hex(),
                "sframe_secret": secret.hex(), "sframe_key": key.hex(),
                "sframe_salt": salt.hex()})

for suite in sorted(SUITES):
    for base in (bytes(range(16)), pattern(SUITES[suite][3], 0xA5)):
        chain, k = [], base
        for _ in range(5):
            k = ratchet(suite, k)
            chain.append(k.hex())
        out["ratchet"].append({"cipher_suite": suite, "base_key": base.hex(), "steps": chain})

cases = [
    (0, 0, b"", b""),
    (7, 7, b"", pattern(1, 3)),
    (8, 8, pattern(3, 1), pattern(64, 9)),
    (0x123, 0x4567, pattern(14, 2), pattern(160, 4)),
    (2**64 - 1, 2**64 - 1, pattern(200, 5), pattern(1200, 6)),
    (0xFFFFFF, 0x100000000, b"", pattern(17, 8)),
]
for suite in sorted(SUITES):
    for kid, ctr, md, pt in cases:
        for base in (bytes(range(16)), pattern(SUITES[suite][3], 0x3C)):
            out["sframe"].append({
                "cipher_suite": suite, "kid": kid, "ctr": ctr, "base_key": base.hex(),
                "metadata": md.hex(), "pt": pt.hex(),
                "ct": seal(suite, kid, ctr, base, md, pt).hex()})
    # A frame under the key two ratchet steps on (RFC 9605 §5.1), with the
    # sender-key KID for generation 3, step 2, R = 4.
    base = ratchet(suite, ratchet(suite, bytes(range(16))))
    kid = (3 << 4) | 2
    out["sframe"].append({
        "cipher_suite": suite, "kid": kid, "ctr": 5, "base_key": base.hex(),
        "metadata": "", "pt": pattern(33, 1).hex(),
        "ct": seal(suite, kid, 5, base, b"", pattern(33, 1)).hex(),
        "ratchet_from": bytes(range(16)).hex(), "ratchet_steps": 2})

print(json.dumps(out, indent=1))
