#!/usr/bin/python3
"""Recomputes libs/crypto/test-vectors.json from docs/key-scheme.md with the `cryptography` package,
independently of the TypeScript code.

    /usr/bin/python3 libs/crypto/vectors_check.py          # verify: exit 0 if every output matches
    /usr/bin/python3 libs/crypto/vectors_check.py --write  # (re)compute the outputs from the inputs

Inputs are the fields under "input"; everything else is derived here from the spec text.
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-vectors.json")
RAW = serialization.Encoding.Raw


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hkdf(ikm, salt, info, length=32):
    # Spec-literal salt (b"" for piece keys). RFC 5869: an empty salt acts as HashLen zero bytes.
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def piece_key(ck, i):
    return hkdf(ck, b"", b"keyseed/piece/v1" + struct.pack(">I", i))


def aes_ctr(key, data):
    enc = Cipher(algorithms.AES(key), modes.CTR(b"\x00" * 16)).encryptor()
    return enc.update(data) + enc.finalize()


def pattern(n, mod):
    return bytes(i % mod for i in range(n))


def seal(s, license_id, device_id, payload_doc):
    """Sealed delivery (docs/key-scheme.md) of a payload v2 document with a fixed ephemeral key and nonce."""
    d = X25519PrivateKey.from_private_bytes(unb64url(s["devicePrivateKey"]))
    e = X25519PrivateKey.from_private_bytes(unb64url(s["ephemeralPrivateKey"]))
    D = d.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    E = e.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    z = e.exchange(X25519PublicKey.from_public_bytes(D))
    assert z == d.exchange(X25519PublicKey.from_public_bytes(E))
    wk = hkdf(z, E + D, b"keyseed/deliver/v1")
    payload = json.dumps(payload_doc, separators=(",", ":"))
    aad = "keyseed/v1|" + license_id + "|" + device_id
    nonce = unb64url(s["nonce"])
    ct = AESGCM(wk).encrypt(nonce, payload.encode(), aad.encode())
    return {
        "devicePublicKey": b64url(D),
        "ephemeralPublicKey": b64url(E),
        "sharedSecret": z.hex(),
        "wrappingKey": wk.hex(),
        "aad": aad,
        "payload": payload,
        "sealed": {"alg": "X25519-HKDF-SHA256-A256GCM", "epk": b64url(E), "nonce": b64url(nonce), "ciphertext": b64url(ct)},
    }


def compute(inp):
    out = {}
    kek = bytes.fromhex(inp["kek"])
    kek_id = hashlib.sha256(kek).hexdigest()[:16]
    out["kek"] = {"base64": base64.b64encode(kek).decode(), "id": kek_id}

    w = inp["wrap"]
    ck = bytes.fromhex(w["contentKey"])
    nonce = bytes.fromhex(w["nonce"])
    sealed = AESGCM(kek).encrypt(nonce, ck, w["itemId"].encode())  # ct || tag
    out["wrap"] = {"kekId": kek_id, "wrappedKey": (b"\x01" + nonce + sealed).hex()}

    out["pieceKeys"] = [{"index": i, "key": piece_key(ck, i).hex()} for i in inp["pieceKeyIndices"]]

    pc = inp["pieceCipher"]
    k = piece_key(ck, pc["index"])
    pt = pattern(pc["length"], pc["patternModulo"])
    out["pieceCipher"] = {"pieceKey": k.hex(), "plaintext": pt.hex(), "ciphertext": aes_ctr(k, pt).hex()}

    lp = inp["longPiece"]
    k = piece_key(ck, lp["index"])
    ct = aes_ctr(k, pattern(lp["length"], lp["patternModulo"]))
    out["longPiece"] = {"pieceKey": k.hex(), "ciphertextSha256": hashlib.sha256(ct).hexdigest()}

    pr = inp["pieceRoot"]
    pt = pattern(pr["length"], pr["patternModulo"])
    n = pr["pieceLength"]
    piece_digests = [hashlib.sha256(pt[o : o + n]).digest() for o in range(0, len(pt), n)]
    out["pieceRoot"] = {
        "pieceSha256": [d.hex() for d in piece_digests],
        "plaintextPieceRoot": hashlib.sha256(b"".join(piece_digests)).hexdigest(),
        "plaintextSha256": hashlib.sha256(pt).hexdigest(),
    }

    s = inp["seal"]
    items = []
    for it in s["items"]:
        item = {"itemId": it["itemId"], "contentKey": base64.b64encode(bytes.fromhex(it["contentKey"])).decode(), "plaintextSha256": it["plaintextSha256"]}
        if "plaintextPieceRoot" in it:  # optional: items ingested before the piece root have none
            item["plaintextPieceRoot"] = it["plaintextPieceRoot"]
        items.append(item)
    out["seal"] = seal(s, s["licenseId"], s["deviceId"], {"v": 2, "licenseId": s["licenseId"], "items": items})

    pv = inp["previewSeal"]
    items = []
    for it in pv["items"]:
        ick = bytes.fromhex(it["contentKey"])
        keys = b"".join(piece_key(ick, i) for i in range(it["first"], it["last"] + 1))
        items.append({"itemId": it["itemId"], "first": it["first"], "keys": base64.b64encode(keys).decode()})
    out["previewSeal"] = seal(pv, "preview", "preview", {"v": 2, "licenseId": "preview", "items": items})

    out["keyCheck"] = [{"contentKey": k, "kcvHex": hkdf(bytes.fromhex(k), b"", b"keyseed/check/v1")[:8].hex()} for k in inp["keyCheck"]]
    return out


def main():
    with open(PATH) as f:
        doc = json.load(f)
    expected = compute(doc["input"])
    if "--write" in sys.argv:
        doc["output"] = expected
        with open(PATH, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print("wrote", PATH)
        return 0
    bad = [k for k in expected if doc.get("output", {}).get(k) != expected[k]]
    for k in bad:
        print("MISMATCH", k, json.dumps(expected[k])[:400], file=sys.stderr)
    print("ok" if not bad else "FAILED")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
