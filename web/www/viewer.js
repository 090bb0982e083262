// The link viewer: <root>/l/<link id>/#<fragment> (SPEC.md 8.12; this page copied as the
// folder's index.html with <base href="../../">) or <root>/viewer.html?l=<link id>#<fragment>. Asks for the
// password if the link has one, lists an album's or selection's items with their
// thumbnails and verified uploader, opens a photo, plays a WebM item in a <video> through
// Media Source Extensions as its chunks are range-read and opened, seeks a video-like item
// by range reads, shows each failing item's error; a collect link offers an upload form.
// Everything is decrypted here: the server only ever sees ciphertext and the link id.
import init, * as ks from "./pkg/keepsake_web.js";
import * as links from "./links.js";

const $ = (id) => document.getElementById(id);
function status(text, error = false) { $("status").textContent = text; $("status").className = error ? "error" : ""; }
const urls = [];
function show(bytes, type) { const u = URL.createObjectURL(new Blob([bytes], { type })); urls.push(u); return u; }

async function main() {
  await init();
  links.useCore(ks);
  const named = links.pageLink(location);
  if (!named) { status("no link in this address (expected /l/<link id>#<secret>)", true); return; }
  // The fragment holds the link secret: drop it from the address bar and history.
  history.replaceState(null, "", location.pathname + location.search);
  const pending = await links.startLink(named.root, named.id, named.fragment);
  let link;
  if (pending.needsPassword) {
    status("");
    const kdf = pending.info.kdf;
    $("password").hidden = false;
    $("pw").focus();
    link = await new Promise((resolve) => {
      $("password").onsubmit = async (event) => {
        event.preventDefault();
        status(`checking the password (Argon2id, ${kdf[0] >> 10} MiB)...`);
        await new Promise((r) => setTimeout(r, 20));
        try { resolve(await pending.open($("pw").value)); $("password").hidden = true; }
        catch (e) { status(e.name === "DecryptionFailed" ? "wrong password" : `cannot open: ${e.name}`, true); }
        $("pw").value = "";
      };
    });
  } else {
    link = await pending.open();
  }
  $("what").textContent = `${link.kind} link - owner ${link.ownerFingerprint}`;
  if (link.kind === "collect") return collect(link, pending.base);
  const items = await links.loadIndex(pending.base);
  status(`${items.length} items`);
  document.body.dataset.items = String(items.length);
  let done = 0;
  await Promise.all(items.map(async (entry) => {
    const card = document.createElement("div");
    card.className = "card";
    card.dataset.id = entry.id;
    $("grid").append(card);
    try {
      await (link.kind === "album" ? albumCard(link, pending.base, entry, card) : selectionCard(link, pending.base, entry, card));
      card.dataset.state = "ok";
    } catch (e) {
      card.className = "card failed";
      card.dataset.state = e.name;
      card.replaceChildren(...el("div", "ph", "!"), ...el("div", "title", e.title ?? entry.id.slice(0, 8)), ...el("div", "err", links.explain(e)));
    }
    done++;
  }));
  document.body.dataset.ready = String(done);
}

function el(tag, cls, text) { const e = document.createElement(tag); e.className = cls; e.textContent = text; return [e]; }

async function albumCard(link, base, entry, card) {
  const { item, meta } = await links.openAlbumItem(link, base, entry.id);
  // The fixtures' metadata names a title; the CLI's (SPEC.md 8.3) the file's name.
  meta.title ??= typeof meta.name === "string" ? meta.name : undefined;
  const img = document.createElement("img");
  card.replaceChildren(img, ...el("div", "title", meta.title ?? "untitled"), ...el("div", "who", `verified uploader ${item.uploaderFingerprint}`));
  if (entry.parts.includes("thumbnail")) {
    let thumb;
    try { thumb = await links.openAlbumPart(item, base, entry.id, "thumbnail"); }
    catch (e) { e.title = meta.title; throw e; }
    img.src = show(thumb, "image/bmp");
    img.alt = meta.title ?? "";
  }
  card.onclick = () => (meta.type === "video/webm" ? playMovie(item, base, entry.id)
    : meta.type === "video" ? playVideo(item, base, entry.id) : openPhoto(item, base, entry.id, meta.type));
}

async function selectionCard(link, base, entry, card) {
  const id = links.unhex(entry.id);
  let who = "uploader not verified (no history)";
  try { who = `verified uploader ${link.selectionUploader(id)}`; } catch (e) { who = links.explain(e); }
  const img = document.createElement("img");
  card.replaceChildren(img, ...el("div", "title", entry.id.slice(0, 8)), ...el("div", "who", who));
  const thumb = link.openSelectionPart(id, "thumbnail", await links.fetchBytes(`${base}/items/${entry.id}/thumbnail`, 16 << 20));
  img.src = show(thumb, "image/bmp");
  if (entry.parts.includes("original")) {
    card.onclick = async () => {
      const bytes = link.openSelectionPart(id, "original", await links.fetchBytes(`${base}/items/${entry.id}/original`, links.MAX_WHOLE_PART));
      $("view").replaceChildren(Object.assign(document.createElement("img"), { src: show(bytes, "image/bmp") }));
    };
  }
}

async function openPhoto(item, base, id, type) {
  $("view").textContent = "opening...";
  try {
    const bytes = await links.openAlbumPart(item, base, id, "original");
    $("view").replaceChildren(Object.assign(document.createElement("img"), { src: show(bytes, type ?? "image/bmp") }));
  } catch (e) { $("view").textContent = `this photo cannot be shown: ${links.explain(e)}`; }
}

// A video-like item (no codec here): a seek bar; each seek range-reads only the chunks
// under the position (HTTP Range), opens them, and draws the bytes as a frame.
async function playVideo(item, base, id) {
  const reader = await links.rangeReader(item, `${base}/items/${id}/original`, "original");
  const total = item.partLen("original");
  const bar = Object.assign(document.createElement("input"), { type: "range", min: 0, max: Number(total) - 1, value: 0, style: "width:640px" });
  const frame = Object.assign(document.createElement("canvas"), { width: 256, height: 64 });
  const info = document.createElement("div");
  $("view").replaceChildren(bar, frame, info);
  const seek = async () => {
    const at = BigInt(bar.value);
    const { bytes, chunks } = await reader.read(at, 16384n);
    const g = frame.getContext("2d"); const px = g.createImageData(256, 64);
    for (let i = 0; i < 256 * 64; i++) { const v = bytes[i % bytes.length]; px.data.set([v, v >> 1, 255 - v, 255], 4 * i); }
    g.putImageData(px, 0, 0);
    info.textContent = `at ${at} of ${total}: ${bytes.length} bytes from ${chunks} chunk(s), one Range request`;
  };
  bar.onchange = seek;
  await seek();
}

// A WebM item: a <video> fed through Media Source Extensions, the part range-read and
// opened 8 KiB at a time in order (only what the SourceBuffer holds is in memory). A piece
// that does not open ends the stream there: what was verified plays, then it stops, and the
// item's error is shown.
const MOVIE_MIME = 'video/webm; codecs="vp8"';
async function playMovie(item, base, id) {
  const info = document.createElement("div");
  if (!window.MediaSource?.isTypeSupported(MOVIE_MIME)) { $("view").replaceChildren(...el("div", "err", "this browser cannot play WebM (VP8) videos")); return; }
  const video = Object.assign(document.createElement("video"), { controls: true, muted: true, width: 320 });
  $("view").replaceChildren(video, info);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  const buffer = source.addSourceBuffer(MOVIE_MIME);
  const total = item.partLen("original");
  const step = 8192n; // two 4 KiB chunks of the fixture per Range request
  let pieces = 0;
  try {
    const reader = await links.rangeReader(item, `${base}/items/${id}/original`, "original");
    for (let at = 0n; at < total; at += step) {
      const { bytes } = await reader.read(at, total - at < step ? total - at : step);
      await new Promise((resolve, reject) => {
        buffer.onupdateend = resolve;
        buffer.onerror = () => reject(links.named("MediaError", "the video data does not decode"));
        buffer.appendBuffer(bytes);
      });
      pieces++;
      info.textContent = `${at + BigInt(bytes.length)} of ${total} bytes opened in ${pieces} range read(s)`;
    }
    source.endOfStream();
    video.dataset.state = "ok";
  } catch (e) {
    if (source.readyState === "open") source.endOfStream();
    info.className = "err";
    info.textContent = `stopped after ${pieces} piece(s): ${links.explain(e)}`;
    video.dataset.state = e.name;
  }
}

function collect(link, base) {
  status(`add photos to this album (you will not see its contents; the owner reviews what you send)`);
  $("collect").hidden = false;
  $("collect").onsubmit = async (event) => {
    event.preventDefault();
    try {
      const sent = await links.uploadDrops(link, base, $("files").files, $("name").value.trim());
      status(`sent ${sent.length} file(s), sealed in your browser`);
    } catch (e) { status(`upload failed: ${e.name}: ${e.message}`, true); }
  };
}

main().catch((e) => status(`cannot open this link: ${e.name}: ${e.message}`, true));
