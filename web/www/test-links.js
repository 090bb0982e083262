// Browser tests of links (SPEC.md 5.13) and the published link folder (8.12), run by
// test.js: the link-v1.json vectors (the file the Rust suite checks), then the fixtures
// `web-native links` wrote under /target/web/site/: links with and without a password, a
// wrong password, tampered / unsigned / non-member items, a selection, a video seek by
// HTTP Range (the server counts the requests), a real WebM played by the viewer through
// MSE (and its tampered copy stopping), and a collect-link upload that web/run.sh
// then opens natively with the album key. Then the CLI's own links (cli.json, written by
// web/run.sh with `keepsake link create` and `keepsake collect create`): the album opened
// from its URL alone, and a drop sealed here that run.sh accepts with `keepsake collect
// review` and opens with `keepsake open`.
import * as links from "./links.js";

export async function linkTests(ks, { test, assert, errorOf, equal, unhex }) {
  links.useCore(ks);
  const t = { test, assert, errorOf, equal, unhex, ks };
  await vectorTests(t);
  return await fixtureTests(t);
}

async function vectorTests({ test, assert, errorOf, unhex, ks }) {
  const cases = (await (await fetch("/tests/vectors/link-v1.json")).json()).vectors;
  await test(`link-v1.json has ${cases.length} cases (>= 4)`, () => assert(cases.length >= 4, "count"));
  let albumLink = null;
  for (const v of cases) {
    await test(`link-v1 ${v.kind}${v.password ? " (password)" : ""}: URL, header, open`, () => {
      const address = ks.parseLinkUrl(v.url);
      assert(address.linkId === v.link_id, "link id from the URL");
      assert(address.needsPassword === Boolean(v.password), "password flag");
      const same = ks.parseLinkFragment(v.link_id, v.fragment);
      assert(same.linkId === v.link_id, "fragment");
      const record = unhex(v.record);
      const info = ks.inspectLinkRecord(record);
      assert(info.kind === v.kind && info.linkId === v.link_id, `kind ${info.kind}`);
      assert(JSON.stringify(info.kdf ? Array.from(info.kdf) : null) === JSON.stringify(v.kdf ?? null), `kdf ${info.kdf}`);
      const link = ks.openLink(address, record, v.password);
      assert(link.kind === v.kind, "opened kind");
      assert(link.albumId === v.album_id, "album id");
      assert(link.history === v.history, "history entry");
      if (v.kind !== "selection") assert(link.epoch === BigInt(v.epoch), "epoch");
      else assert(link.expiresAt === BigInt(v.expires_at) && link.selectionItems().length === v.item_count, "selection");
      if (v.kind === "album" && !v.password) albumLink = link; else link.free();
    });
    for (const r of v.refusals.filter((r) => r.target === "record")) {
      await test(`link-v1 ${v.kind} refusal: ${r.comment} -> ${r.error}`, () => {
        const e = errorOf(() => {
          const address = ks.parseLinkFragment(v.link_id, r.fragment ?? v.fragment);
          ks.openLink(address, unhex(r.bytes), r.password);
        });
        assert(e.name === r.error, `got ${e.name}`);
      });
    }
  }
  const collect = cases.find((v) => v.kind === "collect");
  await test("link-v1 collect drops open with the album link's key (name, id, fingerprint)", () => {
    assert(albumLink && albumLink.albumId === collect.album_id && albumLink.epoch === BigInt(collect.epoch), "same album");
    for (const d of collect.drops) {
      const [name, id, fingerprint] = albumLink.openDrop(unhex(d.drop));
      assert(name === d.display_name && id === d.media_id && fingerprint === d.fingerprint, `${name} ${id}`);
    }
  });
  for (const r of collect.refusals.filter((r) => r.album_id === collect.album_id && r.epoch === collect.epoch)) {
    await test(`link-v1 drop refusal: ${r.comment} -> ${r.error}`, () => {
      assert(errorOf(() => albumLink.openDrop(unhex(r.bytes))).name === r.error, "error");
    });
  }
  // The refusals with another album's or epoch's key: any key of that album and epoch gives
  // them (the album and epoch are checked first; a drop sealed to another album's drop key
  // does not decapsulate), so a key from raw bytes stands in for the owner's.
  for (const r of collect.refusals.filter((r) => r.target === "drop" && (r.album_id !== collect.album_id || r.epoch !== collect.epoch))) {
    await test(`link-v1 drop refusal: ${r.comment} -> ${r.error}`, () => {
      const key = ks.AlbumKey.fromSecretBytes(unhex(r.album_id), BigInt(r.epoch), new Uint8Array(32).fill(7));
      try {
        assert(!String(key).includes("0707"), "string form");
        assert(errorOf(() => key.openDrop(unhex(r.bytes))).name === r.error, "error");
      } finally {
        key.free();
      }
    });
  }
  await test("AlbumKey.fromSecretBytes refuses a secret that is not 32 bytes", () => {
    const e = errorOf(() => ks.AlbumKey.fromSecretBytes(unhex(collect.album_id), 0n, new Uint8Array(31)));
    assert(e.name === "InvalidLength", `got ${e.name}`);
  });
}

async function fixtureTests({ test, assert, errorOf, equal, ks }) {
  const root = "/target/web/site";
  const site = await (await fetch(`${root}/links.json`)).json();
  const ids = site.ids;
  const out = {};
  let album = null;
  let base = null;

  await test("album link without password: opens, history verified, index read", async () => {
    const pending = await links.startLink(root, site.album.id, site.album.fragment);
    assert(!pending.needsPassword && pending.info.kind === "album", "no password");
    album = await pending.open();
    base = pending.base;
    const items = await links.loadIndex(base);
    assert(items.length === 6, `${items.length} items`);
  });
  await test("photos open with their verified uploader (the owner)", async () => {
    for (const name of ["sunrise", "lake"]) {
      const { item, meta } = await links.openAlbumItem(album, base, ids[name]);
      assert(meta.title === name, `title ${meta.title}`);
      assert(item.uploaderFingerprint === album.ownerFingerprint, "uploader is the owner");
      const thumb = await links.openAlbumPart(item, base, ids[name], "thumbnail");
      const photo = await links.openAlbumPart(item, base, ids[name], "original");
      assert(thumb[0] === 0x42 && thumb[1] === 0x4d && photo.length === 54 + 640 * 3 * 420, "BMP thumbnail and photo");
    }
  });
  await test("a tampered item: its parts give ProvenanceMismatch (content does not match)", async () => {
    const { item } = await links.openAlbumItem(album, base, ids.tampered);
    for (const kind of ["thumbnail", "original"]) {
      let e = null;
      try { await links.openAlbumPart(item, base, ids.tampered, kind); } catch (err) { e = err; }
      assert(e && e.name === "ProvenanceMismatch" && links.explain(e).startsWith("content does not match"), `${kind}: ${e && e.name}`);
    }
  });
  await test("an unsigned item: ProvenanceUnsigned; a non-member's: ProvenanceNotMember", async () => {
    for (const [name, want] of [["unsigned", "ProvenanceUnsigned"], ["stranger", "ProvenanceNotMember"]]) {
      let e = null;
      try { await links.openAlbumItem(album, base, ids[name]); } catch (err) { e = err; }
      assert(e && e.name === want, `${name}: ${e && e.name}`);
    }
  });
  await test("video seek: each seek fetches only the chunks it needs (counted by the server) and the right bytes", async () => {
    const { item } = await links.openAlbumItem(album, base, ids.video);
    const url = `${base}/items/${ids.video}/original`;
    await fetch(`/ranges?path=${url}`); // reset the server's count
    const reader = await links.rangeReader(item, url, "original");
    const pattern = (i) => (Math.imul(i, 31) >>> 0) % 251;
    const chunk = 16384 + 16; // 16 KiB chunks and their tags
    const counts = [];
    for (const [at, len] of [[3000000, 20000], [16384 * 100 + 5, 100], [site.video_len - 10, 10]]) {
      const { bytes, chunks } = await reader.read(BigInt(at), BigInt(len));
      counts.push(Number(chunks));
      assert(bytes.length === len, `length at ${at}`);
      for (let i = 0; i < len; i++) assert(bytes[i] === pattern(at + i), `byte ${at + i}`);
      const need = Math.floor((at + len - 1) / 16384) - Math.floor(at / 16384) + 1;
      assert(Number(chunks) === need, `${chunks} chunks for ${need}`);
    }
    const served = await (await fetch(`/ranges?path=${url}`)).json();
    assert(served.length === 4, `${served.length} Range requests (header + 3 seeks)`);
    const bodies = served.slice(1).map(([a, b]) => b - a + 1);
    // Each request is exactly the planned chunks (a final chunk may be shorter).
    bodies.forEach((n, i) => assert(n > (counts[i] - 1) * chunk && n <= counts[i] * chunk, `bytes per seek ${bodies} for ${counts} chunks`));
    assert(counts[0] === 2 && counts[1] === 1, `chunks per seek ${counts}`);
    out.video = { requests: served.length, bytes: served.reduce((n, [a, b]) => n + b - a + 1, 0), size: site.video_len };
  });

  await test("password link: needs a password; a wrong one is DecryptionFailed and shows nothing", async () => {
    const pending = await links.startLink(root, site.password.id, site.password.fragment);
    assert(pending.needsPassword && pending.info.kdf[0] === 19456, "password, Argon2id floor");
    let e = null;
    let opened = null;
    try { opened = await pending.open(); } catch (err) { e = err; }
    assert(!opened && e.name === "LinkPasswordRequired", `no password: ${e && e.name}`);
    const started = performance.now();
    try { opened = await pending.open("correct hors"); } catch (err) { e = err; }
    out.argon2_ms = Math.round(performance.now() - started);
    assert(!opened && e.name === "DecryptionFailed", `wrong password: ${e && e.name}`);
    assert(!e.message.includes("correct") && !String(e).includes("hors"), "no password in the error");
  });
  await test("password link: the right password opens it and its photos", async () => {
    const pending = await links.startLink(root, site.password.id, site.password.fragment);
    const started = performance.now();
    const link = await pending.open(site.password_text);
    out.argon2_ms_right = Math.round(performance.now() - started);
    const { item } = await links.openAlbumItem(link, pending.base, ids.lake);
    const thumb = await links.openAlbumPart(item, pending.base, ids.lake, "thumbnail");
    assert(thumb.length === 54 + 480 * 105, `thumbnail ${thumb.length}`);
    link.free();
  });

  await test("selection link: granted parts open (whole and by range) with the verified uploader; others are NotInSelection", async () => {
    const pending = await links.startLink(root, site.selection.id, site.selection.fragment);
    const link = await pending.open();
    assert(link.kind === "selection" && link.selectionItems().length === 2, "two items");
    const [sunrise, lake] = [links.unhex(ids.sunrise), links.unhex(ids.lake)];
    assert(link.selectionUploader(sunrise) === link.ownerFingerprint, "uploader");
    const sealed = await links.fetchBytes(`${pending.base}/items/${ids.sunrise}/original`, 8 << 20);
    assert(link.openSelectionPart(sunrise, "original", sealed).length === 54 + 640 * 3 * 420, "original");
    const ranged = { openRange: (...args) => link.openSelectionRange(sunrise, ...args) };
    const reader = await links.rangeReader(ranged, `${pending.base}/items/${ids.sunrise}/original`, "original");
    const { bytes } = await reader.read(100000n, 5000n);
    assert(equal(bytes, link.openSelectionPart(sunrise, "original", sealed).subarray(100000, 105000)), "range read with the part key");
    const other = await links.fetchBytes(`${base}/items/${ids.lake}/original`, 8 << 20);
    assert(errorOf(() => link.openSelectionPart(lake, "original", other)).name === "NotInSelection", "lake's original");
    link.free();
  });

  await test("collect link: seal in the browser, PUT to drops/ (only there)", async () => {
    const pending = await links.startLink(root, site.collect.id, site.collect.fragment);
    const link = await pending.open();
    assert(link.kind === "collect", "kind");
    assert(errorOf(() => link.openItem(new Uint8Array(16), new Uint8Array(105), new Uint8Array(64))).name === "WrongLinkKind", "no album key");
    const photo = new Uint8Array(300000).map((_, i) => i % 253);
    const files = [new File([photo], "beach.bmp", { type: "image/bmp" })];
    const sent = await links.uploadDrops(link, pending.base, files, "Grandma Rose");
    assert(sent.length === 1, "one drop");
    const put = await fetch(`${pending.base}/record`, { method: "PUT", body: "x" });
    assert(put.status === 403, `PUT outside drops/: ${put.status}`);
    const again = await fetch(`${pending.base}/drops/${sent[0]}`, { method: "PUT", body: "x" });
    assert(again.status === 409, `overwrite: ${again.status}`);
    out.collect = { link_id: site.collect.id, drops: sent, name: "Grandma Rose", len: photo.length };
    link.free();
  });
  await viewerTests(root, site, { test, assert }, out);
  await cliTests(root, { test, assert, equal }, out);

  await test("secrets: a link's and an address's toString show no secret", () => {
    const address = ks.parseLinkFragment(site.album.id, site.album.fragment);
    for (const o of [address, album]) assert(!String(o).includes(site.album.fragment.slice(2, 12)), String(o));
    assert(!JSON.stringify(Object.keys(album)).includes("key"), "no key property");
  });
  return out;
}

// The viewer page itself, in a same-origin iframe: what a person sees.
async function frame(url) {
  const f = document.createElement("iframe");
  f.style = "width:900px;height:300px";
  const loaded = new Promise((resolve) => { f.onload = resolve; });
  f.src = url;
  document.body.append(f);
  await loaded;
  return f;
}

async function until(cond, what, ms = 20000) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function viewerTests(root, site, { test, assert }, out) {
  await test("viewer: a wrong password shows 'wrong password' and nothing else; the right one shows the photos", async () => {
    const f = await frame(`${root}/viewer.html?l=${site.password.id}#${site.password.fragment}`);
    const doc = f.contentDocument;
    const $ = (id) => doc.getElementById(id);
    await until(() => !$("password").hidden, "the password prompt");
    assert(f.contentWindow.location.hash === "", "the secret is dropped from the address bar");
    $("pw").value = "correct hors";
    $("password").requestSubmit();
    await until(() => $("status").textContent === "wrong password", "the refusal");
    assert(doc.querySelectorAll("img, .card").length === 0, "no item shown");
    $("pw").value = site.password_text;
    $("password").requestSubmit();
    await until(() => doc.body.dataset.ready === "2", "two items");
    assert(doc.querySelectorAll('.card[data-state="ok"] img[src^="blob:"]').length === 2, "two thumbnails");
    assert($("password").hidden && $("pw").value === "", "prompt gone, field cleared");
    f.remove();
  });
  await test("viewer: album link lists 6 items, 3 with their error; a photo opens; the video seeks by range", async () => {
    // SPEC.md 8.12's URL: /l/<link id> (redirected to /l/<link id>/, the fragment kept).
    const f = await frame(`${root}/l/${site.album.id}#${site.album.fragment}`);
    const doc = f.contentDocument;
    await until(() => doc.body.dataset.ready === "6", "six items");
    assert(f.contentWindow.location.pathname.endsWith(`/l/${site.album.id}/`) && f.contentWindow.location.hash === "", "the path form, secret dropped");
    const states = Array.from(doc.querySelectorAll(".card"), (c) => c.dataset.state).sort();
    assert(JSON.stringify(states) === JSON.stringify(["ProvenanceMismatch", "ProvenanceNotMember", "ProvenanceUnsigned", "ok", "ok", "ok"]), states);
    const card = (id) => doc.querySelector(`.card[data-id="${id}"]`);
    assert(card(site.ids.tampered).textContent.includes("content does not match"), "tampered text");
    assert(card(site.ids.sunrise).textContent.includes("verified uploader"), "uploader shown");
    card(site.ids.sunrise).click();
    await until(() => doc.querySelector("#view img"), "the photo");
    await new Promise((resolve) => { const img = doc.querySelector("#view img"); if (img.complete) resolve(); else img.onload = resolve; });
    assert(doc.querySelector("#view img").naturalWidth === 640, "the photo decoded, 640 px wide");
    card(site.ids.video).click();
    await until(() => doc.querySelector("#view canvas") && doc.querySelector("#view div")?.textContent.includes("Range"), "the player");
    const bar = doc.querySelector("#view input");
    bar.value = "2000000";
    bar.dispatchEvent(new Event("change"));
    await until(() => doc.querySelector("#view div").textContent.startsWith("at 2000000 "), "the seek");
    f.remove();
  });
  await test("viewer: a WebM plays in a <video> through MSE, fed 8 KiB range reads in order (counted by the server); a tampered chunk stops it with the item's error", async () => {
    const f = await frame(`${root}/l/${site.movie.id}#${site.movie.fragment}`);
    const doc = f.contentDocument;
    await until(() => doc.body.dataset.ready === "2", "two items");
    const card = (id) => doc.querySelector(`.card[data-id="${id}"]`);
    const url = `${root}/l/${site.movie.id}/items/${site.ids.movie}/original`;
    await fetch(`/ranges?path=${url}`); // reset the server's count
    card(site.ids.movie).click();
    await until(() => doc.querySelector("#view video")?.dataset.state, "the movie streamed");
    const video = doc.querySelector("#view video");
    const said = () => doc.querySelector("#view div").textContent;
    assert(video.dataset.state === "ok", `state ${video.dataset.state}: ${said()}`);
    const served = await (await fetch(`/ranges?path=${url}`)).json();
    const pieces = Math.ceil(site.movie_len / 8192);
    assert(served.length === 1 + pieces && said().includes(`in ${pieces} range read(s)`), `${served.length} Range requests for ${pieces} pieces: ${said()}`);
    await until(() => video.readyState >= 2, "readyState >= 2");
    assert(video.videoWidth === 160 && video.videoHeight === 120, `${video.videoWidth}x${video.videoHeight}`);
    const end = video.buffered.end(video.buffered.length - 1);
    assert(end > 1.5 && Math.abs(video.duration - end) < 0.1, `buffered to ${end} s, duration ${video.duration} s`);
    await video.play();
    await until(() => video.currentTime > 0.3, "playback advancing");
    // The same range reads outside the viewer give the original file byte for byte.
    const pending = await links.startLink(root, site.movie.id, site.movie.fragment);
    const album = await pending.open();
    const { item } = await links.openAlbumItem(album, pending.base, site.ids.movie);
    const reader = await links.rangeReader(item, url, "original");
    const got = [];
    for (let at = 0; at < site.movie_len; at += 8192) got.push(...(await reader.read(BigInt(at), BigInt(Math.min(8192, site.movie_len - at)))).bytes);
    const want = new Uint8Array(await (await fetch("/web/www/movie.webm")).arrayBuffer());
    assert(want.length === site.movie_len && got.length === want.length && got.every((b, i) => b === want[i]), "decrypted pieces equal movie.webm");
    album.free();

    card(site.ids.movie_cut).click();
    await until(() => doc.querySelector("#view video")?.dataset.state, "the cut movie");
    const cut = doc.querySelector("#view video");
    assert(cut.dataset.state !== "ok" && said().startsWith("stopped after 2 piece(s)") && said().includes(`(${cut.dataset.state})`), `state ${cut.dataset.state}: ${said()}`);
    const cutEnd = cut.buffered.length ? cut.buffered.end(cut.buffered.length - 1) : 0;
    assert(cutEnd < end - 0.5 && (cut.duration === cutEnd || Number.isNaN(cut.duration)), `the cut movie ends at ${cutEnd} s (duration ${cut.duration}), the whole one at ${end} s`);
    out.movie = { requests: served.length, bytes: served.reduce((n, [a, b]) => n + b - a + 1, 0), size: site.movie_len, end, width: video.videoWidth, height: video.videoHeight, cut_end: cutEnd, cut_error: cut.dataset.state };
    f.remove();
  });
}

/** The bytes the page drops into the CLI's collect link; web/run.sh recomputes them. */
export function cliDropBytes(len) {
  return new Uint8Array(len).map((_, i) => (Math.imul(i, 131) + 7) & 255);
}

// Links the CLI published (web/run.sh: `keepsake seal`, `link create`, `collect create`).
async function cliTests(root, { test, assert, equal }, out) {
  const cli = await (await fetch(`${root}/cli.json`)).json();
  await test("CLI album link (keepsake link create): opens from its URL alone; both items, originals byte for byte, uploader the owner", async () => {
    const pending = await links.startLink(root, cli.album.id, cli.album.fragment);
    assert(!pending.needsPassword && pending.info.kind === "album", "an album link without password");
    const album = await pending.open();
    assert(album.ownerFingerprint === cli.owner_fingerprint, `owner ${album.ownerFingerprint}, whoami ${cli.owner_fingerprint}`);
    const items = await links.loadIndex(pending.base);
    assert(items.length === 2, `${items.length} items`);
    const names = [];
    for (const entry of items) {
      const { item, meta } = await links.openAlbumItem(album, pending.base, entry.id);
      assert(item.uploaderFingerprint === cli.owner_fingerprint, "verified uploader is the owner");
      assert(cli.files.includes(meta.name) && meta.version === 1, `metadata ${JSON.stringify(meta)}`);
      const original = await links.openAlbumPart(item, pending.base, entry.id, "original");
      const source = new Uint8Array(await (await fetch(`${cli.sources}/${meta.name}`)).arrayBuffer());
      assert(original.length === meta.size && equal(original, source), `${meta.name}: ${original.length} bytes`);
      names.push(meta.name);
    }
    assert(JSON.stringify(names.sort()) === JSON.stringify([...cli.files].sort()), `names ${names}`);
    album.free();
  });
  await test("viewer on the CLI album link's URL: two items with the verified uploader, a photo opens", async () => {
    const f = await frame(`${root}/l/${cli.album.id}#${cli.album.fragment}`);
    const doc = f.contentDocument;
    await until(() => doc.body.dataset.ready === "2", "two items");
    const cards = Array.from(doc.querySelectorAll(".card"));
    assert(cards.every((c) => c.dataset.state === "ok" && c.textContent.includes(`verified uploader ${cli.owner_fingerprint}`)), "both verified");
    const titles = cards.map((c) => c.querySelector(".title").textContent).sort();
    assert(JSON.stringify(titles) === JSON.stringify([...cli.files].sort()), `titles ${titles}`);
    const photo = cards.find((c) => c.textContent.includes(".bmp"));
    photo.click();
    await until(() => doc.querySelector("#view img"), "the photo");
    await new Promise((resolve) => { const img = doc.querySelector("#view img"); if (img.complete) resolve(); else img.onload = resolve; });
    assert(doc.querySelector("#view img").naturalWidth === cli.bmp_width, "the photo decoded");
    f.remove();
  });
  await test("CLI collect link (keepsake collect create): the browser seals a drop with the CLI's metadata", async () => {
    const pending = await links.startLink(root, cli.collect.id, cli.collect.fragment);
    const link = await pending.open();
    assert(link.kind === "collect", "kind");
    const bytes = cliDropBytes(cli.drop_len);
    const file = new File([bytes], cli.drop_name, { type: "application/octet-stream", lastModified: cli.drop_mtime_ms });
    const sent = await links.uploadDrops(link, pending.base, [file], cli.drop_from);
    assert(sent.length === 1, "one drop");
    out.cli_collect = { link_id: cli.collect.id, drop: sent[0] };
    link.free();
  });
}
