// Reading a published link folder (SPEC.md 8.12) with the wasm core: shared by the viewer
// (viewer.js) and the browser tests (test.js). Every file is untrusted: sizes are capped
// before they are read whole, index.json is bounded and its ids checked.
let ks = null;
/** Sets the wasm module (the page's `import * as ks`). */
export function useCore(core) { ks = core; }

export const MAX_JSON = 1 << 20;
export const MAX_ITEMS = 10000;
export const MAX_RECORD = 4 << 20;
export const MAX_WHOLE_PART = 64 << 20; // larger parts are read by range
const ID = /^[0-9a-f]{32}$/;
const PARTS = new Set(["original", "thumbnail", "metadata", "preview", "sidecar"]);

/** GET `url` whole, refusing more than `cap` bytes (before and after reading). */
export async function fetchBytes(url, cap) {
  const response = await fetch(url);
  if (!response.ok) throw named("FetchFailed", `${url}: HTTP ${response.status}`);
  const declared = Number(response.headers.get("Content-Length") ?? "0");
  if (declared > cap) throw named("TooLarge", `${url}: ${declared} bytes, at most ${cap}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > cap) throw named("TooLarge", `${url}: more than ${cap} bytes`);
  return bytes;
}

export function named(name, message) {
  const e = new Error(message);
  e.name = name; e.category = name;
  return e;
}

/** The folder's index.json: `{version: 1, items: [{id, parts}]}`, bounded and checked. */
export async function loadIndex(base) {
  const text = new TextDecoder().decode(await fetchBytes(`${base}/index.json`, MAX_JSON));
  const index = JSON.parse(text);
  if (index === null || typeof index !== "object" || index.version !== 1 || !Array.isArray(index.items))
    throw named("MalformedIndex", "index.json is not version 1 with items");
  if (index.items.length > MAX_ITEMS) throw named("MalformedIndex", "more than 10 000 items");
  for (const item of index.items) {
    if (!item || typeof item.id !== "string" || !ID.test(item.id) || !Array.isArray(item.parts) ||
        !item.parts.every((p) => PARTS.has(p)))
      throw named("MalformedIndex", "an item with a bad id or part name");
  }
  return index.items;
}

export function unhex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
}

/**
 * What the page URL names, and the served root holding `l/`: SPEC.md 8.12's link URL
 * `<root>/l/<link id>/#<fragment>` (a copy of the viewer as the folder's index.html, with
 * `<base href="../../">`), or `<root>/viewer.html?l=<link id>#<fragment>`.
 */
export function pageLink(location) {
  const fragment = location.hash.replace(/^#/, "");
  const path = location.pathname.match(/^(.*)\/l\/([0-9a-f]{32})\/?(index\.html)?$/);
  if (path) return { root: path[1], id: path[2], fragment };
  const id = new URLSearchParams(location.search).get("l");
  return id === null ? null : { root: location.pathname.replace(/\/[^/]*$/, ""), id, fragment };
}

/**
 * Starts opening link `id` under `root` (the folder holding `l/`): parses the fragment,
 * fetches the record and reads its header. `open(password)` then opens it (Argon2id for a
 * password link) and, for album and selection links, verifies the album history.
 */
export async function startLink(root, id, fragment) {
  const address = ks.parseLinkFragment(id, fragment);
  const base = `${root}/l/${address.linkId}`;
  const record = await fetchBytes(`${base}/record`, MAX_RECORD);
  const info = ks.inspectLinkRecord(record);
  return {
    base, info, address,
    needsPassword: info.needsPassword || address.needsPassword,
    async open(password) {
      const link = ks.openLink(address, record, password);
      // Album links need the history (items are verified against it); for a selection it
      // is optional (without it, uploaders are shown as not verified).
      if (link.kind === "album" || (link.kind === "selection" && (await fetch(`${base}/history`, { method: "HEAD" })).ok))
        link.verifyHistory(await fetchBytes(`${base}/history`, 16 << 20));
      return link;
    },
  };
}

/** Album links: opens item `id` (its key and metadata: verified uploader) or throws. */
export async function openAlbumItem(link, base, id) {
  const at = `${base}/items/${id}`;
  const [key, metadata] = await Promise.all([fetchBytes(`${at}/key`, 4096), fetchBytes(`${at}/metadata`, 4 << 20)]);
  const item = link.openItem(unhex(id), key, metadata);
  let meta = {};
  try { meta = JSON.parse(new TextDecoder().decode(item.metadata)); } catch { /* shown as untitled */ }
  return { item, meta };
}

/** Opens a whole part of an opened album item, checked against its signed manifest. */
export async function openAlbumPart(item, base, id, kind) {
  return item.openPart(kind, await fetchBytes(`${base}/items/${id}/${kind}`, MAX_WHOLE_PART));
}

/**
 * A range reader over a sealed part served with HTTP Range: the header once, then for each
 * read only the ciphertext bytes the range's chunks need (one Range request).
 */
export async function rangeReader(item, url, kind) {
  const head = await fetch(url, { headers: { Range: `bytes=0-${ks.headerLen() - 1}` } });
  if (head.status !== 206) throw named("FetchFailed", `${url}: no range support (HTTP ${head.status})`);
  const size = BigInt(head.headers.get("Content-Range").split("/")[1]);
  const header = new Uint8Array(await head.arrayBuffer());
  return {
    size,
    async read(offset, len) {
      const plan = ks.planRange(header, size, offset, len);
      const last = plan.sealedOffset + plan.sealedLen - 1n;
      const body = new Uint8Array(await (await fetch(url, { headers: { Range: `bytes=${plan.sealedOffset}-${last}` } })).arrayBuffer());
      return { bytes: item.openRange(kind, header, size, offset, len, body), chunks: plan.chunkCount };
    },
  };
}

/** What a person reads for an item that fails. */
export function explain(e) {
  const words = {
    ProvenanceMismatch: "content does not match the signed manifest",
    ProvenanceChunkMismatch: "content does not match the signed manifest",
    ProvenanceUnsigned: "unsigned: nobody signed this item",
    ProvenanceNotMember: "not a member: signed by someone outside the album",
    ProvenanceBadSignature: "bad signature",
    DecryptionFailed: "cannot be opened (altered, or another item's)",
    NotInSelection: "not shared in this link",
  };
  return `${words[e.name] ?? e.message} (${e.name})`;
}

/**
 * A drop's metadata: the CLI container's JSON (SPEC.md 8.3: version 1, the file's name,
 * size and modification time), so that `keepsake collect review --accept` takes the drop
 * and `keepsake open` restores it under its name. The name is made a plain file name (no
 * separator, control character or drive designator; at most 255 bytes; never `.` or `..`).
 */
export function dropMetadata(file, size) {
  let name = Array.from(file.name, (c) => (/[\p{Cc}\/\\:]/u.test(c) ? "_" : c)).join("");
  while (new TextEncoder().encode(name).length > 255) name = Array.from(name).slice(0, -1).join("");
  if (name === "" || name === "." || name === "..") name = "upload";
  const meta = { version: 1, name, size };
  const ms = file.lastModified;
  if (Number.isSafeInteger(ms)) {
    meta.mtime = Math.floor(ms / 1000);
    meta.mtime_nanos = (ms - meta.mtime * 1000) * 1000000;
  }
  return new TextEncoder().encode(JSON.stringify(meta));
}

/** Collect links: seals each file in the browser and PUTs the drop and its parts. */
export async function uploadDrops(link, base, files, displayName) {
  const done = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const metadata = dropMetadata(file, bytes.length);
    const sealed = link.sealDrop(displayName, bytes, undefined, metadata, 16);
    const at = `${base}/drops/${sealed.mediaId}`;
    for (const [path, body] of [[`${at}.original`, sealed.original], [at, sealed.drop]]) {
      const response = await fetch(path, { method: "PUT", body });
      if (!response.ok) throw named("UploadFailed", `${path}: HTTP ${response.status}`);
    }
    done.push(sealed.mediaId);
    sealed.free();
  }
  return done;
}
