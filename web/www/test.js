// The browser suite of web/ (run by web/run.sh in headless Chromium). Runs the stream
// vectors of tests/vectors/ (every stream and range vector the Rust suite checks), push
// opening piece by piece, an HTTP range read, tampering, the errors' shape, then (with
// ?bench=1) the 64 MiB open bench. Writes `ok NAME` / `FAILED NAME: REASON` lines and
// `N passed, N failed` into the page and POSTs the report to /report.
import init, * as ks from "/target/web/pkg/keepsake_web.js";
import { linkTests } from "./test-links.js";

const lines = [];
let passed = 0;
let failed = 0;
const out = document.getElementById("results");

function report(name, error) {
  const line = error === undefined ? `ok ${name}` : `FAILED ${name}: ${error}`;
  if (error === undefined) passed++; else failed++;
  lines.push(line);
  const span = document.createElement("span");
  span.className = error === undefined ? "ok" : "FAILED";
  span.textContent = line + "\n";
  out.appendChild(span);
}

async function test(name, body) {
  try {
    await body();
    report(name);
  } catch (e) {
    report(name, e && e.stack ? `${e.name}: ${e.message}` : String(e));
  }
}

function assert(cond, what) {
  if (!cond) throw new Error(`assertion failed: ${what}`);
}

function unhex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

// The error a call throws: a JS Error whose name and category are the Keepsake variant.
function errorOf(call) {
  try {
    call();
  } catch (e) {
    assert(e instanceof Error, "an Error instance");
    assert(e.name === e.category, `name ${e.name} equals category ${e.category}`);
    return e;
  }
  throw new Error("no error thrown");
}

// Opens `sealed` pushed in `step`-byte pieces: the plaintext released, and the error met.
function pushOpen(key, id, kind, sealed, step) {
  const opener = new ks.StreamOpener(key, id, kind);
  const parts = [];
  try {
    for (let at = 0; at < sealed.length; at += step) parts.push(opener.push(sealed.subarray(at, at + step)));
    parts.push(opener.finish());
    return { plain: concat(parts), error: null };
  } catch (e) {
    // The first error is final: the next call repeats it.
    const again = errorOf(() => opener.finish());
    assert(again.name === e.name, `error repeated (${again.name} after ${e.name})`);
    return { plain: concat(parts), error: e };
  } finally {
    opener.free();
  }
}

const U64_MAX = (1n << 64n) - 1n;
const u64 = (s) => { const v = BigInt(s); return v > U64_MAX ? U64_MAX : v; };

async function vectors(file) {
  const response = await fetch(`/tests/vectors/${file}`);
  assert(response.ok, `fetch ${file}`);
  return (await response.json()).vectors;
}

async function streamVectors() {
  const cases = await vectors("stream-v1.json");
  await test(`stream-v1.json has ${cases.length} cases (>= 49)`, () => assert(cases.length >= 49, "count"));
  for (const v of cases) {
    const [key, id, sealed, plain] = [unhex(v.media_key), unhex(v.media_id), unhex(v.sealed), unhex(v.plaintext)];
    await test(`stream-v1 ${v.name}: openStream`, () =>
      assert(equal(ks.openStream(key, id, v.kind, sealed), plain), "plaintext"));
    await test(`stream-v1 ${v.name}: StreamOpener in 1000-byte and 7-byte pieces`, () => {
      for (const step of [1000, 7]) {
        const r = pushOpen(key, id, v.kind, sealed, step);
        assert(r.error === null, `no error (${r.error && r.error.name})`);
        assert(equal(r.plain, plain), `plaintext, step ${step}`);
      }
    });
    await test(`stream-v1 ${v.name}: openRange of everything`, () => {
      const plan = ks.planRange(sealed, BigInt(sealed.length), 0n, U64_MAX);
      const fetched = sealed.subarray(Number(plan.sealedOffset), Number(plan.sealedOffset + plan.sealedLen));
      assert(equal(ks.openRange(key, id, v.kind, sealed, BigInt(sealed.length), 0n, U64_MAX, fetched), plain), "plaintext");
    });
  }
}

async function failureVectors() {
  const cases = await vectors("stream-v1-failures.json");
  await test(`stream-v1-failures.json has ${cases.length} cases (>= 30)`, () => assert(cases.length >= 30, "count"));
  for (const v of cases) {
    const [key, id, sealed, released] = [unhex(v.media_key), unhex(v.media_id), unhex(v.sealed), unhex(v.released)];
    await test(`stream-v1-failures ${v.name}: openStream throws ${v.error}`, () => {
      const e = errorOf(() => ks.openStream(key, id, v.kind, sealed));
      assert(e.name === v.error, `got ${e.name}: ${e.message}`);
    });
    // A push is all or nothing (the core wipes what a failing push opened), so 7-byte pieces
    // release exactly the recorded prefix, and 1000-byte pieces a prefix of it.
    await test(`stream-v1-failures ${v.name}: StreamOpener releases the recorded prefix, then ${v.error}`, () => {
      for (const step of [7, 1000]) {
        const r = pushOpen(key, id, v.kind, sealed, step);
        assert(r.error !== null && r.error.name === v.error, `got ${r.error && r.error.name}`);
        const want = step === 7 ? released : released.subarray(0, r.plain.length);
        assert(equal(r.plain, want), `released ${r.plain.length} bytes, recorded ${released.length} (step ${step})`);
      }
    });
    await test(`stream-v1-failures ${v.name}: openRange throws ${v.error}`, () => {
      const e = errorOf(() => {
        const len = BigInt(sealed.length);
        ks.openRange(key, id, v.kind, sealed, len, 0n, U64_MAX, sealed.subarray(Math.min(88, sealed.length)));
      });
      assert(e.name === v.error, `got ${e.name}: ${e.message}`);
    });
  }
}

async function rangeVectors() {
  const cases = await vectors("stream-v1-ranges.json");
  await test(`stream-v1-ranges.json has ${cases.length} cases (>= 16)`, () => assert(cases.length >= 16, "count"));
  for (const v of cases) {
    const [key, id, sealed] = [unhex(v.media_key), unhex(v.media_id), unhex(v.sealed)];
    const [len, offset, size] = [u64(v.len), u64(v.offset), BigInt(sealed.length)];
    await test(`stream-v1-ranges ${v.name}: planRange and openRange`, () => {
      if (v.error !== undefined) {
        const e = errorOf(() => {
          const plan = ks.planRange(sealed, size, offset, len);
          const at = Number(plan.sealedOffset);
          ks.openRange(key, id, v.kind, sealed, size, offset, len, sealed.subarray(at, at + Number(plan.sealedLen)));
        });
        assert(e.name === v.error, `got ${e.name}: ${e.message}`);
        return;
      }
      const plan = ks.planRange(sealed, size, offset, len);
      for (const [field, want] of [["firstChunk", v.first_chunk], ["chunkCount", v.chunk_count],
        ["sealedOffset", v.sealed_offset], ["sealedLen", v.sealed_len]]) {
        if (want !== undefined) assert(plan[field] === BigInt(want), `${field} ${plan[field]}, want ${want}`);
      }
      const at = Number(plan.sealedOffset);
      const fetched = sealed.subarray(at, at + Number(plan.sealedLen));
      const got = ks.openRange(key, id, v.kind, sealed, size, offset, len, fetched);
      assert(equal(got, unhex(v.plaintext)), "plaintext");
    });
  }
}

const pattern = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 31) % 251; return b; };

async function behaviour() {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const id = crypto.getRandomValues(new Uint8Array(16));
  const plain = crypto.getRandomValues(new Uint8Array(65536)).slice(0, 50000);
  const big = concat([plain, plain, plain, plain, plain, plain]); // 300,000 bytes
  const sealed = ks.sealStream(key, id, "original", big, 12); // 4 KiB chunks: 74 chunks

  await test("sealStream draws a fresh salt (crypto.getRandomValues): two seals differ", () =>
    assert(!equal(sealed, ks.sealStream(key, id, "original", big, 12)), "different bytes"));

  await test("StreamOpener opens pushed pieces of every size, chunk by chunk", () => {
    for (const step of [1, 88, 4096 + 16, 4095, 65536, sealed.length]) {
      const r = pushOpen(key, id, "original", sealed, step);
      assert(r.error === null, `step ${step}: ${r.error && r.error.message}`);
      assert(equal(r.plain, big), `step ${step}`);
    }
  });

  await test("StreamOpener releases each chunk once it is authenticated (a fetch body's pieces)", () => {
    const opener = new ks.StreamOpener(key, id, "original");
    const stride = 4096 + 16;
    assert(opener.push(sealed.subarray(0, 88 + stride - 1)).length === 0, "nothing before a whole chunk");
    // The first chunk is released once a byte of the next one proves it is not the last.
    assert(opener.push(sealed.subarray(88 + stride - 1, 88 + stride + 1)).length === 4096, "first chunk");
    opener.push(sealed.subarray(88 + stride + 1));
    opener.finish();
    opener.free();
  });

  await test("StreamSealer pieces open to the plaintext", () => {
    const sealer = new ks.StreamSealer(key, id, "preview", 12);
    const parts = [];
    for (let at = 0; at < big.length; at += 9999) parts.push(sealer.push(big.subarray(at, at + 9999)));
    parts.push(sealer.finish());
    sealer.free();
    assert(equal(ks.openStream(key, id, "preview", concat(parts)), big), "round trip");
  });

  const tampered = sealed.slice();
  const chunk2 = 88 + 2 * (4096 + 16) + 100;
  tampered[chunk2] ^= 1;
  await test("a tampered chunk is refused: openStream throws DecryptionFailed", () => {
    const e = errorOf(() => ks.openStream(key, id, "original", tampered));
    assert(e.name === "DecryptionFailed", e.name);
  });
  await test("a tampered chunk is refused: StreamOpener releases the two chunks before it only", () => {
    const r = pushOpen(key, id, "original", tampered, 1000);
    assert(r.error && r.error.name === "DecryptionFailed", r.error && r.error.name);
    assert(r.plain.length === 2 * 4096 && equal(r.plain, big.subarray(0, 8192)), `released ${r.plain.length}`);
  });
  await test("a tampered chunk is refused: a range over it throws, a range before it opens", () => {
    const size = BigInt(tampered.length);
    const over = ks.planRange(tampered, size, 8192n, 10n);
    const at = Number(over.sealedOffset);
    const e = errorOf(() => ks.openRange(key, id, "original", tampered, size, 8192n, 10n,
      tampered.subarray(at, at + Number(over.sealedLen))));
    assert(e.name === "DecryptionFailed", e.name);
    const before = ks.planRange(tampered, size, 100n, 5000n);
    const b = Number(before.sealedOffset);
    const got = ks.openRange(key, id, "original", tampered, size, 100n, 5000n, tampered.subarray(b, b + Number(before.sealedLen)));
    assert(equal(got, big.subarray(100, 5100)), "range before the tampered chunk");
  });
  await test("the wrong key: DecryptionFailed, and the message names no key byte", () => {
    const wrong = key.slice(); wrong[0] ^= 1;
    const e = errorOf(() => ks.openStream(wrong, id, "original", sealed));
    assert(e.name === "DecryptionFailed" && e.category === "DecryptionFailed", e.name);
    const hex = Array.from(wrong, (b) => b.toString(16).padStart(2, "0")).join("");
    for (const text of [e.message, String(e), e.toString()]) {
      assert(!text.includes(hex.slice(0, 8)) && !text.includes(wrong.join(",").slice(0, 12)), `no key in ${text}`);
    }
    assert(String(e) === `DecryptionFailed: ${e.message}`, String(e));
  });
  await test("bad inputs: InvalidLength for a 31-byte key, UnknownKind for a bad kind name", () => {
    assert(errorOf(() => ks.openStream(key.subarray(1), id, "original", sealed)).name === "InvalidLength", "key");
    assert(errorOf(() => ks.openStream(key, id.subarray(1), "original", sealed)).name === "InvalidLength", "id");
    assert(errorOf(() => new ks.StreamOpener(key, id, "poster")).name === "UnknownKind", "kind");
  });
  await test("an opener's toString shows no key", () => {
    const opener = new ks.StreamOpener(key, id, "original");
    assert(!String(opener).includes(key.join(",").slice(0, 12)), String(opener));
    opener.free();
  });
}

// The range flow of a video player over HTTP: the header and the object's size first,
// then only the planned ciphertext bytes (Range requests on the fixture web/run.sh wrote).
async function httpRange() {
  await test("HTTP range read: header, plan, one Range request, openRange", async () => {
    const url = "/target/web/fixture.sealed";
    const size = BigInt((await fetch(url, { method: "HEAD" })).headers.get("Content-Length"));
    const header = new Uint8Array(await (await fetch(url, { headers: { Range: `bytes=0-${ks.headerLen() - 1}` } })).arrayBuffer());
    const [offset, len] = [700000n, 123457n];
    const plan = ks.planRange(header, size, offset, len);
    assert(plan.plaintextLen === 1048576n, `plaintext length ${plan.plaintextLen}`);
    const last = plan.sealedOffset + plan.sealedLen - 1n;
    const response = await fetch(url, { headers: { Range: `bytes=${plan.sealedOffset}-${last}` } });
    assert(response.status === 206, `status ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    assert(BigInt(body.length) === plan.sealedLen, "planned bytes only");
    const got = ks.openRange(new Uint8Array(32).fill(7), new Uint8Array(16).fill(9), "preview", header, size, offset, len, body);
    assert(equal(got, pattern(1048576).subarray(700000, 700000 + 123457)), "plaintext");
  });
}

// 64 MiB sealed in 64 KiB chunks, opened through StreamOpener in 1 MiB pieces (as a fetch
// body would arrive), best of 5: the same code and sizes as `web-native bench`.
async function bench() {
  const size = 64 << 20;
  const key = new Uint8Array(32).fill(7);
  const id = new Uint8Array(16).fill(9);
  const sealed = ks.sealStream(key, id, "original", pattern(size));
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const opener = new ks.StreamOpener(key, id, "original");
    let total = 0;
    for (let at = 0; at < sealed.length; at += 1 << 20) total += opener.push(sealed.subarray(at, at + (1 << 20))).length;
    total += opener.finish().length;
    opener.free();
    assert(total === size, "opened length");
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { mb_per_s: size / best / 1e6, chunks_per_s: (size / 65536) / best, seconds: best };
}

async function main() {
  const result = {};
  try {
    await init();
    await streamVectors();
    await failureVectors();
    await rangeVectors();
    await behaviour();
    await httpRange();
    result.links = await linkTests(ks, { test, assert, errorOf, equal, unhex });
    if (new URLSearchParams(location.search).has("bench")) result.bench = await bench();
  } catch (e) {
    report("suite", `${e.name}: ${e.message}`);
  }
  const summary = `${passed} passed, ${failed} failed`;
  document.getElementById("summary").textContent = summary;
  await fetch("/report", { method: "POST", body: JSON.stringify({ lines, summary, passed, failed, ...result }) });
}

main();
