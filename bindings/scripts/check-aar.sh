#!/usr/bin/env bash
# Checks an Android archive of the bindings and its POM (what build-aar.sh produces):
#   - the AAR holds AndroidManifest.xml (package app.keepsake), classes.jar, R.txt,
#     proguard.txt (the consumer rules of bindings/android/proguard.txt: JNA and app.keepsake
#     kept) and jni/ABI/libkeepsake_ffi.so for each expected ABI, and nothing else;
#   - every native library is an ELF of its ABI's machine whose LOAD segments are all aligned
#     to >= 16 KB (0x4000; readelf), as Android 15+ devices with 16 KB pages require;
#   - classes.jar holds the generated and hand-written classes (app/keepsake/..., the main
#     ones named, KeepsakeJvm and KeepsakeIdioms among them), no
#     bundled kotlin/ or com/sun/jna/ classes, and META-INF/keepsake.kotlin_module (not the
#     default main.kotlin_module, which would clash with other libraries in an app); every class carries kotlin.Metadata with a
#     metadata version readable by Kotlin 1.9 (<= 2.0: a compiler reads one version ahead)
#     and a class-file version <= 52 (Java 8), read with javap;
#   - the POM: coordinates app.keepsake:keepsake:VERSION (the workspace's), packaging aar,
#     and JNA 5.14.0 as an aar dependency.
# Usage: bindings/scripts/check-aar.sh AAR POM VERSION ABI...   (needs readelf, javap, python3)
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: check-aar.sh AAR POM VERSION ABI..." >&2; exit 2; }
for tool in readelf javap python3; do
  command -v "$tool" >/dev/null || { echo "[check-aar] missing $tool" >&2; exit 1; }
done
exec python3 - "$@" <<'PY'
import re, subprocess, sys, tempfile, zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

aar, pom, version, abis = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
errors = []
def need(ok, what):
    if not ok:
        errors.append(what)
def log(msg):
    print(f"[check-aar] {msg}", file=sys.stderr)

MACHINE = {"arm64-v8a": "AArch64", "armeabi-v7a": "ARM", "x86_64": "X86-64", "x86": "80386"}
LIB = "libkeepsake_ffi.so"

with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(aar) as z:
    names = set(z.namelist()) - {n for n in z.namelist() if n.endswith("/")}
    want = {"AndroidManifest.xml", "classes.jar", "R.txt", "proguard.txt"}
    want |= {f"jni/{abi}/{LIB}" for abi in abis}
    need(names == want, f"entries: missing {sorted(want - names)}, unexpected {sorted(names - want)}")
    z.extractall(tmp)
    root = Path(tmp)

    manifest = (root / "AndroidManifest.xml").read_text()
    need('package="app.keepsake"' in manifest, "AndroidManifest.xml: package is not app.keepsake")

    rules = (root / "proguard.txt").read_text() if (root / "proguard.txt").exists() else ""
    for rule in ("-keep class com.sun.jna.** { *; }", "-keep class app.keepsake.** { *; }",
                 "-dontwarn java.awt.*"):
        need(rule in rules, f"proguard.txt lacks `{rule}`")

    # Native libraries: the machine and every LOAD segment's alignment.
    for abi in abis:
        so = root / "jni" / abi / LIB
        if not so.exists():
            continue
        header = subprocess.run(["readelf", "-hW", so], capture_output=True, text=True, check=True).stdout
        need(MACHINE[abi] in header, f"{abi}: ELF machine is not {MACHINE[abi]}")
        segs = subprocess.run(["readelf", "-lW", so], capture_output=True, text=True, check=True).stdout
        aligns = [int(line.split()[-1], 16) for line in segs.splitlines() if line.strip().startswith("LOAD")]
        need(aligns, f"{abi}: no LOAD segment")
        small = [hex(a) for a in aligns if a < 0x4000]
        need(not small, f"{abi}: LOAD segments aligned to {small} (< 0x4000)")
        log(f"jni/{abi}/{LIB}: {len(aligns)} LOAD segments, alignments {sorted({hex(a) for a in aligns})}")

    # classes.jar: the generated classes, their Kotlin metadata and class-file versions.
    with zipfile.ZipFile(root / "classes.jar") as jar:
        classes = [n for n in jar.namelist() if n.endswith(".class")]
        modules = [n for n in jar.namelist() if n.endswith(".kotlin_module")]
    need(modules == ["META-INF/keepsake.kotlin_module"], f"Kotlin module files {modules} (want keepsake)")
    foreign = [c for c in classes if not c.startswith("app/keepsake/")]
    need(not foreign, f"classes.jar bundles classes outside app/keepsake: {foreign[:5]}")
    # The generated classes, and the hand-written ones of bindings/kotlin/ (KeepsakeIdioms.kt,
    # KeepsakeJvm.kt).
    for c in ("KeepsakeKt", "MediaKey", "Keyring", "KeepsakeException", "UniffiLib", "ProgressListener",
              "KeepsakeIdioms", "KeepsakeErrorCategory", "KeepsakeJvm", "JavaProgressListener",
              "JavaRandomAccessSource"):
        need(f"app/keepsake/{c}.class" in classes, f"classes.jar lacks app/keepsake/{c}.class")
    names_ = [c[:-len(".class")].replace("/", ".") for c in classes if not c.endswith("module-info.class")]
    out = subprocess.run(["javap", "-v", "-cp", str(root / "classes.jar"), *names_],
                         capture_output=True, text=True)
    need(out.returncode == 0, f"javap failed: {out.stderr[:300]}")
    blocks = out.stdout.split("Classfile ")[1:]
    need(len(blocks) == len(names_), f"javap read {len(blocks)} of {len(names_)} classes")
    mvs, majors, no_meta = set(), set(), []
    for b in blocks:
        major = re.search(r"major version: (\d+)", b)
        majors.add(int(major.group(1)) if major else -1)
        mv = re.search(r"kotlin\.Metadata\(\s*mv=\[(\d+),(\d+),(\d+)\]", b)
        if mv:
            mvs.add(tuple(int(x) for x in mv.groups()))
        else:
            no_meta.append(b.split("\n", 1)[0].strip())
    need(not no_meta, f"{len(no_meta)} classes without kotlin.Metadata, e.g. {no_meta[:3]}")
    need(mvs and max(v[:2] for v in mvs) <= (2, 0), f"Kotlin metadata versions {sorted(mvs)} (> 2.0)")
    need(majors and max(majors) <= 52, f"class-file major versions {sorted(majors)} (> 52)")
    log(f"classes.jar: {len(classes)} classes, kotlin.Metadata mv {sorted('.'.join(map(str, v)) for v in mvs)}, "
        f"class-file major {sorted(majors)}")

# The POM.
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
p = ET.parse(pom).getroot()
get = lambda path, node=p: (node.findtext(path, namespaces=ns) or "").strip()
need((get("m:groupId"), get("m:artifactId"), get("m:version")) == ("app.keepsake", "keepsake", version),
     f"POM coordinates {get('m:groupId')}:{get('m:artifactId')}:{get('m:version')}")
need(get("m:packaging") == "aar", "POM packaging is not aar")
deps = {(get("m:groupId", d), get("m:artifactId", d)): d for d in p.iterfind("m:dependencies/m:dependency", ns)}
jna = deps.get(("net.java.dev.jna", "jna"))
need(jna is not None and get("m:type", jna) == "aar" and get("m:version", jna) == "5.14.0",
     "POM lacks net.java.dev.jna:jna:5.14.0 of type aar")
need(("org.jetbrains.kotlin", "kotlin-stdlib") in deps, "POM lacks kotlin-stdlib")
need(p.find("m:licenses/m:license", ns) is not None, "POM lacks licenses")

if errors:
    for e in errors:
        log(f"FAIL: {e}")
    sys.exit(1)
log(f"ok: {aar} ({', '.join(abis)}) and {pom}: {len(deps)} dependencies ({', '.join(a for _, a in deps)})")
PY
