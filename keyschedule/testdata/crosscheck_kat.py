#!/usr/bin/env python3
"""Recomputes every value of sframe-mls-kat.json independently of the Go
code that generated it, from the official MLS key-schedule vectors
(key-schedule.json) and the RFC texts alone:

  RFC 9420 §5.1.3, §8, §8.5  MLS-Exporter over HKDF (hmac/hashlib)
  RFC 9605 §5.2              base_key and the KID layout
  RFC 9605 §4.4.2, §5.1      derive_key_salt and the base-key ratchet
  RFC 9605 §4.3, §4.4.3      header encoding and sealing, §4.5.1 AES-CTR-HMAC
                             (AES from the `cryptography` package)

It checks first that its MLS-Exporter reproduces every exporter entry of
key-schedule.json. Run from this directory:  python3 crosscheck_kat.py
"""
import hashlib
import hmac
import json
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MLS_HASH = {1: hashlib.sha256, 2: hashlib.sha256, 3: hashlib.sha256,
            4: hashlib.sha512, 5: hashlib.sha512, 6: hashlib.sha512,
            7: hashlib.sha384}
# SFrame suite: (hash, Nh, Nka, Nk, Nt); Nka None for GCM.
SFRAME = {1: (hashlib.sha256, 32, 16, 48, 10), 2: (hashlib.sha256, 32, 16, 48, 8),
          3: (hashlib.sha256, 32, 16, 48, 4), 4: (hashlib.sha256, 32, None, 16, 16),
          5: (hashlib.sha512, 64, None, 32, 16)}


def extract(h, salt, ikm):
    return hmac.new(salt, ikm, h).digest()


def expand(h, prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:n]


def varint(n):  # RFC 9420 §2.1.2
    if n < 1 << 6:
        return n.to_bytes(1, "big")
    if n < 1 << 14:
        return (n | 0x4000).to_bytes(2, "big")
    return (n | 0x80000000).to_bytes(4, "big")


def expand_with_label(h, secret, label, context, n):
    label = b"MLS 1.0 " + label
    info = n.to_bytes(2, "big") + varint(len(label)) + label + varint(len(context)) + context
    return expand(h, secret, info, n)


def mls_exporter(h, exporter_secret, label, context, n):
    derived = expand_with_label(h, exporter_secret, label, b"", h().digest_size)
    return expand_with_label(h, derived, b"exported", h(context).digest(), n)


def kid_of(l, context, step, leaf, epoch):
    r, s, e = l["ratchet_bits"], l["leaf_bits"], l["epoch_bits"]
    return (context << (r + s + e)) | ((step % (1 << r)) << (s + e)) | (leaf << e) | (epoch % (1 << e))


def derive_key_salt(suite, kid, base):
    h, nh, nka, nk, nt = SFRAME[suite]
    secret = extract(h, b"", base)
    tail = kid.to_bytes(8, "big") + suite.to_bytes(2, "big")
    return (expand(h, secret, b"SFrame 1.0 Secret key " + tail, nk),
            expand(h, secret, b"SFrame 1.0 Secret salt " + tail, 12))


def ratchet(suite, base):
    h, nh = SFRAME[suite][0], SFRAME[suite][1]
    return expand(h, extract(h, b"", base), b"SFrame 1.0 Ratchet", nh)


def encode_field(v):  # minimal big-endian, for a value of 8 or more
    n = (v.bit_length() + 7) // 8
    return v.to_bytes(n, "big")


def header(kid, ctr):
    cfg, tail = 0, b""
    if kid < 8:
        cfg |= kid << 4
    else:
        k = encode_field(kid)
        cfg |= 0x80 | (len(k) - 1) << 4
        tail += k
    if ctr < 8:
        cfg |= ctr
    else:
        c = encode_field(ctr)
        cfg |= 0x08 | (len(c) - 1)
        tail += c
    return bytes([cfg]) + tail


def seal(suite, key, salt, kid, ctr, metadata, pt):
    h, nh, nka, nk, nt = SFRAME[suite]
    hdr = header(kid, ctr)
    nonce = (int.from_bytes(salt, "big") ^ ctr).to_bytes(12, "big")
    aad = hdr + metadata
    if nka is None:
        return hdr + AESGCM(key).encrypt(nonce, pt, aad)
    enc = Cipher(algorithms.AES(key[:nka]), modes.CTR(nonce + b"\0\0\0\0")).encryptor()
    ct = enc.update(pt) + enc.finalize()
    auth = len(aad).to_bytes(8, "big") + len(ct).to_bytes(8, "big") + nt.to_bytes(8, "big") + nonce + aad + ct
    return hdr + ct + hmac.new(key[nka:], auth, h).digest()[:nt]


def main():
    vectors = {v["cipher_suite"]: v for v in json.load(open("key-schedule.json"))}
    n = 0
    for suite, v in vectors.items():
        for ep in v["epochs"]:
            x = ep["exporter"]
            got = mls_exporter(MLS_HASH[suite], bytes.fromhex(ep["exporter_secret"]),
                               x["label"].encode(), bytes.fromhex(x["context"]), x["length"])
            assert got.hex() == x["secret"], (suite, "exporter")
            n += 1
    print(f"MLS-Exporter: {n} official exporter entries reproduced")

    kat = json.load(open("sframe-mls-kat.json"))
    checked = 0
    bases = {}
    for b in kat["base_keys"]:
        secret = bytes.fromhex(vectors[b["mls_cipher_suite"]]["epochs"][b["mls_epoch"]]["exporter_secret"])
        assert secret.hex() == b["exporter_secret"]
        nk = SFRAME[b["sframe_cipher_suite"]][3]
        base = mls_exporter(MLS_HASH[b["mls_cipher_suite"]], secret, b"SFrame 1.0 Base Key", b"", nk)
        assert base.hex() == b["base_key"], b
        bases[(b["mls_cipher_suite"], b["mls_epoch"], b["sframe_cipher_suite"])] = base
        checked += 1
    for k in kat["kids"]:
        assert kid_of(k["layout"], k["context"], k["step"], k["leaf"], k["epoch"]) == k["kid"], k
        checked += 1
    keys = {}
    for k in kat["keys"]:
        suite = k["sframe_cipher_suite"]
        kid = kid_of(k["layout"], k["context"], k["step"], k["leaf"], k["mls_epoch"])
        assert kid == k["kid"], k
        base = bases[(k["mls_cipher_suite"], k["mls_epoch"], suite)]
        for _ in range(k["step"]):
            base = ratchet(suite, base)
        assert base.hex() == k["step_base_key"], k
        key, salt = derive_key_salt(suite, kid, base)
        assert key.hex() == k["sframe_key"] and salt.hex() == k["sframe_salt"], k
        keys[(k["mls_cipher_suite"], k["mls_epoch"], suite, kid)] = (key, salt)
        checked += 1
    for f in kat["frames"]:
        suite = f["sframe_cipher_suite"]
        kid = kid_of(f["layout"], f["context"], f["step"], f["leaf"], f["mls_epoch"])
        assert kid == f["kid"], f
        key, salt = keys[(f["mls_cipher_suite"], f["mls_epoch"], suite, kid)]
        ct = seal(suite, key, salt, kid, f["ctr"], bytes.fromhex(f["metadata"]), bytes.fromhex(f["plaintext"]))
        assert ct.hex() == f["ciphertext"], f
        checked += 1
    total = sum(len(kat[s]) for s in ("base_keys", "kids", "keys", "frames"))
    assert checked == total
    print(f"sframe-mls-kat.json: all {checked} values recomputed and equal")


if __name__ == "__main__":
    sys.exit(main())
