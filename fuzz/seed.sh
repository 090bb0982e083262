#!/usr/bin/env bash
# Writes the seed corpora fuzz/corpus/<target>/ from the known-answer vectors in
# tests/vectors/, in each target's input layout (see README.md), then the lifecycle seeds
# (a rotated account's bundles, pins, grants) from the fixture the targets use, through
# seedgen/ (a plain Rust binary of this workspace: `cargo run --release -p
# keepsake-fuzz-seedgen`, about 2 minutes cold). The corpus folder is git-ignored; running
# this again rewrites the seeds (files the fuzzer added are kept). Needs python3 (standard
# library only) and cargo.
set -euo pipefail
cd "$(dirname "$0")"

python3 - <<'PY'
import hashlib, json, os, struct

VECTORS = os.path.join("..", "tests", "vectors")
KINDS = {"original": 0, "thumbnail": 1, "preview": 2, "sidecar": 3}
count = {}


def load(name):
    with open(os.path.join(VECTORS, name)) as f:
        return json.load(f)["vectors"]


def h(value):
    return bytes.fromhex(value or "")


def be64(n):
    return struct.pack(">Q", int(n))


def seed(target, data):
    folder = os.path.join("corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    count[target] = count.get(target, 0) + 1


# Media streams: every sealed vector, valid or failing, with its key, id and kind.
streams = []
for v in load("stream-v1.json") + load("stream-v1-failures.json") + load("stream-v1-ranges.json"):
    context = h(v["media_key"]) + h(v["media_id"]) + bytes([KINDS[v["kind"]]])
    streams.append((context, h(v["sealed"]), v))
for context, sealed, v in streams:
    if len(sealed) > 70000:
        continue  # the 64 KiB-chunk cases are larger than libFuzzer's inputs
    seed("stream_open", context + sealed)
    seed("stream_header", be64(len(sealed)) + be64(v.get("offset", 0)) + be64(v.get("len", 100)) + sealed[:88])
    seed("range_open", context + be64(v.get("offset", 0)) + be64(v.get("len", 300)) + sealed)
    # Push opener: one split size (273 bytes, just over a 256-byte chunk and its tag), and
    # a second seed with sizes 1, 88 and 7.
    seed("push_opener", context + bytes([1]) + struct.pack(">H", 273) + sealed)
    seed("push_opener", context + bytes([3]) + struct.pack(">HHH", 1, 88, 7) + sealed)

# Envelopes: every purpose; selector 0..4 as in envelope_open.rs.
PURPOSES = {"media-metadata": 0, "media-caption": 1, "album-name": 2, "album-metadata": 3, "media-key-wrap": 4}
for v in load("envelope-v1.json") + load("envelope-v1-failures.json"):
    selector = PURPOSES[v["purpose"]]
    media_id = h(v.get("media_id")) or bytes(16)
    album_id = h(v.get("album_id")) or bytes(16)
    epoch = be64(v.get("epoch", 0))
    sealed = h(v["sealed"])
    seed("envelope_open", bytes([selector]) + h(v["key"]) + media_id + album_id + epoch + sealed)
    if selector == 4:
        seed("media_key_unwrap", h(v["key"]) + album_id + epoch + media_id + sealed)

# Bundles from the vector files, whatever their shape (the lifecycle's own seeds, from a
# rotated account whose secrets the targets hold, come from seedgen below): every bundle
# for bundle_parse; a bundle with the passphrase or words that open it for the unlock
# targets; every grant, with no album expected, for grant_accept (its identities are the
# fixture's, so these exercise the header checks).
def optional(name):
    try:
        return load(name)
    except (OSError, KeyError, ValueError) as e:
        print(f"skipping {name}: {e!r}")
        return []


for v in optional("bundle-v1.json") + optional("bundle-v1-failures.json"):
    if not isinstance(v.get("bundle"), str):
        continue
    b = v["bundle"].encode()
    seed("bundle_parse", b)
    if isinstance(v.get("passphrase"), str):
        p = v["passphrase"].encode()[:255]
        seed("unlock_passphrase", bytes([len(p)]) + p + b)
    if isinstance(v.get("recovery_words"), str):
        w = v["recovery_words"].encode()
        seed("unlock_recovery", struct.pack(">H", len(w)) + w + b)
    if v.get("unlock") == "passphrase" and isinstance(v.get("secret"), str):
        p = v["secret"].encode()[:255]
        seed("unlock_passphrase", bytes([len(p)]) + p + b)
    elif v.get("unlock") == "recovery" and isinstance(v.get("secret"), str):
        w = v["secret"].encode()
        seed("unlock_recovery", struct.pack(">H", len(w)) + w + b)

for v in optional("grant-v1.json"):
    try:
        seed("grant_accept", bytes(1 + 16 + 8) + h(v["grant"]))
    except (KeyError, TypeError, ValueError):
        pass

# Provenance item records and the manifests inside them (SPEC.md 5.10).
for v in optional("provenance-v1.json"):
    try:
        record = h(v["record"])
    except (KeyError, TypeError, ValueError):
        continue
    seed("manifest_parse", record)
    if len(record) >= 5:
        m = struct.unpack(">I", record[1:5])[0]
        if 0 < m <= len(record) - 5:
            seed("manifest_parse", record[5:5 + m])

# Selection grants (SPEC.md 5.11): the vector identities are selection_accept's fixture's,
# so each vector grant is genuine there (mode byte 0), and each edited one a refusal; its
# body, sealed by the fixture (mode 2 * item count + 1).
for v in optional("selection-v1.json"):
    try:
        grant = h(v["grant"])
        seed("selection_accept", bytes([0]) + grant)
        seed("selection_accept", bytes([2 * len(v["items"]) + 1]) + h(v["body"]))
        for r in v["refusals"]:
            bad = bytearray(grant)
            if r.get("offset") is not None:
                b = h(r["bytes"])
                bad[r["offset"]:r["offset"] + len(b)] = b
            if r.get("truncate") is not None:
                bad = bad[:r["truncate"]]
            seed("selection_accept", bytes([0]) + bytes(bad))
    except (KeyError, TypeError, ValueError):
        pass

# Links (SPEC.md 5.13): the vector owner, first album link and collect link are the
# fixtures of link_open and drop_open, so those records and drops are genuine there.
for v in optional("link-v1.json"):
    try:
        seed("link_open", bytes([0]) + v["url"].encode())
        seed("link_open", bytes([1]) + h(v["record"]))
        kind = {"album": 0, "selection": 1, "collect": 2}[v["kind"]]
        seed("link_open", bytes([2 + 3 * kind]) + h(v["payload"]))
        for r in v["refusals"]:
            if r["target"] == "record":
                seed("link_open", bytes([1]) + h(r["bytes"]))
            else:
                seed("drop_open", bytes([0]) + h(r["bytes"]))
        for d in v.get("drops", []):
            seed("drop_open", bytes([0]) + h(d["drop"]))
            seed("drop_open", bytes([1]) + h(d["plaintext"]))
    except (KeyError, TypeError, ValueError):
        pass

# Album history chains (SPEC.md 5.12), no pin: another owner than the fixture's, so these
# exercise the entry parser and the genesis checks (the genuine fixture chain comes from
# seedgen).
for v in optional("history-v1.json"):
    try:
        seed("history_parse", b"\x00" + b"".join(h(e["entry"]) for e in v["entries"]))
    except (KeyError, TypeError, ValueError):
        pass

# X-Wing public keys, identities and encapsulations from the vector files (the draft's
# own, the HPKE PQ vector, device slots, derivations); the X-Wing encapsulations are to
# other keys than the fixture's, so they exercise the DecryptionFailed path.
def raw(name):
    try:
        with open(os.path.join(VECTORS, name)) as f:
            data = json.load(f)
        return data["vectors"] if isinstance(data, dict) else data
    except (OSError, KeyError, ValueError) as e:
        print(f"skipping {name}: {e!r}")
        return []


for v in raw("xwing-draft-10.json") + raw("hpke-pq-xwing-sha256-chacha20poly1305.json") + raw("device-slot-v1.json"):
    try:
        pk = h(v.get("pk") or v.get("pkRm") or v.get("device_public"))
        enc = h(v.get("ct") or v.get("enc"))
    except (TypeError, ValueError):
        continue
    if pk:
        seed("xwing_public_key", pk)
        seed("xwing_seal", pk)
    if enc:
        seed("xwing_open", struct.pack(">H", len(enc)) + enc + bytes(48))
for v in raw("derivation-v1.json"):
    try:
        seed("identity_public_key", h(v["identity_public"]))
    except (KeyError, TypeError, ValueError):
        pass

# The command-line tool's files. Containers (SPEC.md 8.2): every vector and every refused
# one of container-v1.json (container_read opens the vectors with their own album keys).
for v in optional("container-v1.json"):
    try:
        seed("container_read", h(v["container"]))
    except (KeyError, TypeError, ValueError):
        pass
try:
    with open(os.path.join(VECTORS, "container-v1.json")) as f:
        failures = json.load(f).get("failures", [])
except (OSError, ValueError) as e:
    print(f"skipping container-v1.json failures: {e!r}")
    failures = []
for v in failures:
    try:
        seed("container_read", h(v["container"]))
    except (KeyError, TypeError, ValueError):
        pass

# cli_files, mode byte then bytes: 0 an album history file (entries back to back, SPEC.md
# 8.11), 1 a link folder's history (be32(len) || entry, 8.12), 2 a link folder's
# index.json, 3 a seal index (8.9) or its plaintext, 4 a container's metadata JSON (8.3).
histories = [[h(e["entry"]) for e in v.get("entries", [])] for v in optional("history-v1.json")]
histories += [[h(v["history"])] for v in optional("container-v1.json") if v.get("history")]
for v in optional("container-v1.json"):
    if isinstance(v.get("metadata"), str):
        seed("cli_files", b"\x04" + v["metadata"].encode())
for entries in histories:
    if not entries:
        continue
    seed("cli_files", b"\x00" + b"".join(entries))
    seed("cli_files", b"\x01" + b"".join(struct.pack(">I", len(e)) + e for e in entries))
ids = [hashlib.sha256(bytes([i])).hexdigest()[:32] for i in range(3)]
for items in ([], [(ids[0], ["original", "metadata"])],
              [(ids[0], ["original", "thumbnail", "metadata"]), (ids[1], ["original"]), (ids[2], ["metadata"])]):
    body = json.dumps({"version": 1, "items": [{"id": i, "parts": p} for i, p in items]},
                      separators=(",", ":")).encode() + b"\n"
    seed("cli_files", b"\x02" + body)
try:
    with open(os.path.join(VECTORS, "index-v1.json")) as f:
        index_file = json.load(f)
except (OSError, ValueError) as e:
    print(f"skipping index-v1.json: {e!r}")
    index_file = {}
for v in index_file.get("vectors", []) + index_file.get("failures", []):
    try:
        seed("cli_files", b"\x03" + h(v["index"]))
        if isinstance(v.get("plaintext"), str):
            seed("cli_files", b"\x03" + v["plaintext"].encode())
    except (KeyError, TypeError, ValueError):
        pass

# Recovery phrases as typed.
for v in load("recovery-v1.json"):
    words = v["words"]
    seed("recovery_phrase_parse", words.encode())
    seed("recovery_phrase_parse", ("  " + words.upper().replace(" ", "\t\n ")).encode())
    seed("recovery_phrase_parse", " ".join(words.split()[:12]).encode())

# Round trips start from a few structured inputs; libFuzzer grows them.
for target in ("roundtrip_stream", "roundtrip_envelope"):
    for n in (0, 1, 300, 1100):
        seed(target, bytes(range(256)) * (n // 256) + bytes(n % 256) + b"\x01" * 160)

for target in sorted(count):
    print(f"{target}: {count[target]} seeds")
PY

# The lifecycle seeds: bundles of the fixture account (generations 0..2, history, four
# devices), unlock inputs with its devices and pins, pins, 1354-byte grants, X-Wing and
# identity public keys (valid, low-order, modulus overflow, wrong length), genuine and
# altered X-Wing seals to the fixture's X-Wing key.
cargo run --quiet --release -p keepsake-fuzz-seedgen -- corpus
