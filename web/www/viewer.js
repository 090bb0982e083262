// The viewer web/run.sh screenshots (target/web/viewer.png): a photo drawn on a canvas,
// sealed in the browser with StreamSealer, opened again with StreamOpener piece by piece
// (as a download would arrive) and shown; then a range of the sealed fixture fetched
// with one HTTP Range request and opened, as a video player seeks.
import init, * as ks from "/target/web/pkg/keepsake_web.js";

const facts = document.getElementById("facts");
function fact(name, value) {
  const dt = document.createElement("dt"); dt.textContent = name;
  const dd = document.createElement("dd"); dd.textContent = value;
  facts.append(dt, dd);
}

function drawPhoto() {
  const canvas = document.createElement("canvas");
  canvas.width = 480; canvas.height = 320;
  const g = canvas.getContext("2d");
  const sky = g.createLinearGradient(0, 0, 0, 320);
  sky.addColorStop(0, "#f9b16e"); sky.addColorStop(1, "#d5577a");
  g.fillStyle = sky; g.fillRect(0, 0, 480, 320);
  g.fillStyle = "#ffe9a8"; g.beginPath(); g.arc(240, 210, 60, 0, 2 * Math.PI); g.fill();
  g.fillStyle = "#36315a"; g.beginPath(); g.moveTo(0, 320); g.lineTo(0, 230); g.lineTo(120, 160);
  g.lineTo(220, 240); g.lineTo(330, 150); g.lineTo(480, 250); g.lineTo(480, 320); g.fill();
  g.fillStyle = "#fff"; g.font = "bold 26px sans-serif"; g.fillText("Summer 2026", 20, 40);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

async function main() {
  await init();
  const key = crypto.getRandomValues(new Uint8Array(32));
  const id = crypto.getRandomValues(new Uint8Array(16));
  const photo = new Uint8Array(await (await drawPhoto()).arrayBuffer());
  const sealer = new ks.StreamSealer(key, id, "preview", 12);
  const parts = [sealer.push(photo), sealer.finish()];
  sealer.free();
  const sealed = new Uint8Array(parts[0].length + parts[1].length);
  sealed.set(parts[0]); sealed.set(parts[1], parts[0].length);

  const opener = new ks.StreamOpener(key, id, "preview");
  const opened = [];
  let pushes = 0;
  for (let at = 0; at < sealed.length; at += 16384, pushes++) opened.push(opener.push(sealed.subarray(at, at + 16384)));
  opened.push(opener.finish());
  opener.free();
  const url = URL.createObjectURL(new Blob(opened, { type: "image/png" }));
  const img = document.getElementById("photo");
  await new Promise((resolve) => { img.onload = resolve; img.src = url; });

  fact("photo", `${photo.length} bytes PNG, sealed ${sealed.length} bytes (4 KiB chunks)`);
  fact("opened", `StreamOpener, ${pushes} pieces of 16 KiB`);

  const tampered = sealed.slice(); tampered[200] ^= 1;
  try { ks.openStream(key, id, "preview", tampered); fact("tampered copy", "OPENED (wrong!)"); }
  catch (e) { fact("tampered copy", `refused: ${e.name}`); }

  const fixture = "/target/web/fixture.sealed";
  const size = BigInt((await fetch(fixture, { method: "HEAD" })).headers.get("Content-Length"));
  const header = new Uint8Array(await (await fetch(fixture, { headers: { Range: `bytes=0-${ks.headerLen() - 1}` } })).arrayBuffer());
  const plan = ks.planRange(header, size, 524288n, 65536n);
  const body = new Uint8Array(await (await fetch(fixture, {
    headers: { Range: `bytes=${plan.sealedOffset}-${plan.sealedOffset + plan.sealedLen - 1n}` } })).arrayBuffer());
  const part = ks.openRange(new Uint8Array(32).fill(7), new Uint8Array(16).fill(9), "preview", header, size, 524288n, 65536n, body);
  fact("seek (video)", `64 KiB at 512 KiB of a ${size}-byte object: fetched ${body.length} bytes, ${plan.chunkCount} chunks, opened ${part.length}`);
  document.getElementById("status").textContent = "decrypted in the browser (wasm32)";
}

main().catch((e) => { document.getElementById("status").textContent = `error: ${e.name}: ${e.message}`; });
