#!/usr/bin/env bash
# Installs the Kotlin/JVM toolchain for the UniFFI Kotlin binding tests:
#   a JDK, Debian's libjna-java, and the npm package kotlin-compiler
#   (kotlinc + kotlin-stdlib + kotlinx-coroutines jars) in a cache outside the repo.
# Writes $KOTLIN_CACHE/env.sh exporting KOTLINC, KOTLIN_STDLIB, KOTLINX_COROUTINES, JNA_JAR.
# Usage: bindings/scripts/setup-kotlin.sh && . /var/cache/keepsake/kotlin/env.sh
# Idempotent: a second run only checks and rewrites env.sh.
set -euo pipefail
KOTLIN_CACHE=${KOTLIN_CACHE:-/var/cache/keepsake/kotlin}
KOTLIN_VERSION=${KOTLIN_VERSION:-2.4.20}    # npm kotlin-compiler version
log() { echo "[setup-kotlin] $*"; }

apt_install() {   # apt_install PKG...: installs only what is missing; updates lists only then
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && { log "apt: $* already installed"; return; }
  log "apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. JDK (the machine image ships OpenJDK 17; install it if a fresh machine lacks it)
if command -v java >/dev/null && command -v javac >/dev/null; then
  log "JDK: $(java -version 2>&1 | head -1)"
else
  apt_install openjdk-17-jdk-headless
fi

# 2. JNA from Debian
apt_install libjna-java
JNA_JAR=/usr/share/java/jna.jar
[ -f "$JNA_JAR" ] || { log "missing $JNA_JAR"; exit 1; }

# 3. kotlin-compiler from npm
PKG="$KOTLIN_CACHE/node_modules/kotlin-compiler"
have=$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)
if [ "$have" = "$KOTLIN_VERSION" ]; then
  log "npm: kotlin-compiler@$have already in $KOTLIN_CACHE"
else
  log "npm: installing kotlin-compiler@$KOTLIN_VERSION into $KOTLIN_CACHE"
  mkdir -p "$KOTLIN_CACHE"
  npm install --prefix "$KOTLIN_CACHE" --no-audit --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION"
fi

KOTLINC=$(find "$PKG" -path '*/bin/kotlinc' -type f | head -1)
KOTLIN_STDLIB=$(find "$PKG" -name 'kotlin-stdlib.jar' | head -1)
KOTLINX_COROUTINES=$(find "$PKG" -name 'kotlinx-coroutines-core*.jar' | sort | head -1)
for v in KOTLINC KOTLIN_STDLIB KOTLINX_COROUTINES; do
  [ -n "${!v}" ] || { log "not found in $PKG: $v"; exit 1; }
done
chmod +x "$KOTLINC"

cat > "$KOTLIN_CACHE/env.sh" <<ENV
export KOTLINC=$KOTLINC
export KOTLIN_STDLIB=$KOTLIN_STDLIB
export KOTLINX_COROUTINES=$KOTLINX_COROUTINES
export JNA_JAR=$JNA_JAR
ENV
log "wrote $KOTLIN_CACHE/env.sh:"
sed 's/^/  /' "$KOTLIN_CACHE/env.sh"
