#!/usr/bin/env bash
# Runs the Kotlin/JVM test suite of the UniFFI bindings (bindings/tests/SCENARIO.md):
#   installs the toolchain (setup-kotlin.sh; Debian's Gson), builds the cdylib and generates
#   the Kotlin bindings (generate.sh kotlin), compiles the bindings and the tests in one kotlinc
#   call into target/kotlin-tests/suite.jar (skipped when its inputs are unchanged), and runs
#   it from the repo root (with JavaCallers.java compiled by javac beside it). Exit status: the suite's (non-zero if any test failed).
# Usage: bindings/tests/kotlin/run.sh [SUBSTRING...]   (only tests whose name contains one)
# Idempotent; works from a fresh clone as root.
set -euo pipefail
start=$(date +%s%N)
elapsed() { echo "[kotlin-tests] $1 after $(( ($(date +%s%N) - start) / 1000000 )) ms"; }
log() { echo "[kotlin-tests] $*"; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

# 1. Toolchain: JDK, JNA, kotlinc (setup-kotlin.sh), and Gson for reading the vector files.
bash bindings/scripts/setup-kotlin.sh
# shellcheck disable=SC1091
. "${KOTLIN_CACHE:-/var/cache/keepsake/kotlin}/env.sh"
GSON_JAR=/usr/share/java/gson.jar
if ! dpkg -s libgoogle-gson-java >/dev/null 2>&1 || [ ! -f "$GSON_JAR" ]; then
  log "apt: installing libgoogle-gson-java"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgoogle-gson-java >/dev/null
fi
[ -f "$GSON_JAR" ] || { log "missing $GSON_JAR"; exit 1; }

# 2. The library and its Kotlin bindings. generate.sh prints the library's path last.
gen_out=$(bash bindings/scripts/generate.sh kotlin)
LIB=${gen_out##*$'\n'}
[ -f "$LIB" ] || { echo "$gen_out" >&2; log "generate.sh did not name a built library"; exit 1; }
BINDINGS=target/bindings/kotlin/app/keepsake/keepsake.kt
[ -f "$BINDINGS" ] || { log "missing $BINDINGS"; exit 1; }
elapsed "library and bindings ready ($LIB)"

# 3. One kotlinc call: bindings + tests + the Kotlin runtime, into one jar; reused while the
#    sources, the compiler and the classpath are unchanged.
BUILD=target/kotlin-tests
JAR=$BUILD/suite.jar
CP="$JNA_JAR:$GSON_JAR:$KOTLINX_COROUTINES"   # coroutines: the suspend exports
# The module is the generated bindings plus the hand-written Kotlin of bindings/kotlin/.
SOURCES=("$BINDINGS" bindings/kotlin/*.kt "$HERE"/*.kt)
stamp=$( { echo "$KOTLINC $CP"; cat "${SOURCES[@]}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$JAR" ] && [ "$(cat "$BUILD/suite.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "suite.jar up to date"
else
  log "compiling ${#SOURCES[@]} files with $KOTLINC"
  mkdir -p "$BUILD"
  rm -f "$JAR" "$BUILD/suite.stamp"
  # -nowarn: the generated bindings alone produce hundreds of warnings. JAVA_OPTS (kotlinc's
  # JVM): C1 only and a larger heap halve the time on a 2-core machine (~25 s instead of ~50 s).
  JAVA_OPTS=${KOTLINC_JAVA_OPTS:--Xmx2g -Xms512m -XX:TieredStopAtLevel=1 -XX:+UseParallelGC} \
    "$KOTLINC" -nowarn -include-runtime -cp "$CP" -d "$JAR" "${SOURCES[@]}"
  echo "$stamp" > "$BUILD/suite.stamp"
  elapsed "compiled"
fi

# 4. A Java caller (JavaCallers.java), compiled by javac against the module: a name Java cannot
#    call (a mangled ULong name) fails here. Run by the suite's "java:" test.
JAVA_OUT=$BUILD/java
rm -rf "$JAVA_OUT" && mkdir -p "$JAVA_OUT"
javac -nowarn -encoding UTF-8 -cp "$JAR:$CP" -d "$JAVA_OUT" "$HERE/JavaCallers.java"
elapsed "JavaCallers.java compiled"

# 5. Run from the repo root (the vector files are read from tests/vectors).
set +e
java -Djna.library.path="$(dirname "$LIB")" -Dkeepsake.vectors=tests/vectors \
  -cp "$JAR:$JAVA_OUT:$CP" MainKt "$@"
status=$?
set -e
elapsed "suite finished with status $status"
exit "$status"
