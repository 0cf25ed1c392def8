#!/usr/bin/env bash
# Builds and runs the real Dockerfile with podman (no Docker engine here, no image registry
# reachable): a stand-in for node:24-bookworm-slim is made locally once (debootstrap + this
# machine's Node 24 and npm, see shared/notes/containers.md), the image is built from it, run as
# it would be in production (only the test secrets and a private-targets flag added), and checked:
# refuses to start without secrets, the contract suite, HEALTHCHECK, the non-root user owning
# /data, and a clean exit on `podman stop` (SIGTERM). Usage: bash scripts/container-podman.sh
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in podman buildah runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "container-podman: installing ${missing[*]} (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap >/dev/null
fi

work="$(mktemp -d)"
name="hookgate-ci-$$"
image="localhost/hookgate:ci-$$"
base="localhost/node:24-bookworm-slim"
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$name" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# This sandbox needs runc, fixed ulimits and chroot isolation (shared/notes/containers.md).
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n' >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf" BUILDAH_ISOLATION=chroot
step() { echo "container-podman: $*"; }

node_bin="$(command -v node)"
node_home="$(dirname "$(dirname "$node_bin")")"
npm_home="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
if [ "$(podman run --rm --network none "$base" node -v 2>/dev/null || true)" != "$(node -v)" ]; then
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  step "making the stand-in base $base (debootstrap bookworm from ${mirror:-http://deb.debian.org/debian}, Node $(node -v))"
  debootstrap --variant=minbase bookworm "$work/rootfs" "${mirror:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  mkdir -p "$work/rootfs/usr/local/bin" "$work/rootfs/usr/local/include" "$work/rootfs/usr/local/lib/node_modules"
  cp "$node_bin" "$work/rootfs/usr/local/bin/node"
  [ -d "$node_home/include/node" ] && cp -r "$node_home/include/node" "$work/rootfs/usr/local/include/"
  cp -r "$npm_home" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

step "podman build (Dockerfile, BASE=$base)"
started=$(date +%s)
podman build --format docker --isolation chroot --build-arg "BASE=$base" \
  --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt -t "$image" . >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
size=$(podman image inspect "$image" --format '{{.Size}}')
base_size=$(podman image inspect "$base" --format '{{.Size}}')
step "built in $(($(date +%s) - started)) s: $size bytes, of which $((size - base_size)) above the base image"

if refused="$(podman run --rm --network none "$image" 2>&1)"; then
  echo "the image started without secrets in production: $refused"; exit 1
fi
grep -q 'is required in production' <<<"$refused" || { echo "unexpected refusal: $refused"; exit 1; }
step "without secrets it refuses to start: $(grep 'is required in production' <<<"$refused")"

port="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
key="$(node -e "console.log(Buffer.alloc(32,7).toString('base64'))")"
# Host networking so the container reaches the contract suite's receiver on 127.0.0.1; the
# contract's settings (src: test/contract/targets.ts CONTRACT_ENV) on top of the image's ENV.
podman run -d --name "$name" --network host -v "$name:/data" \
  -e PORT="$port" -e HOST=127.0.0.1 -e HOOKGATE_ENV=development \
  -e JWT_SECRET=test-secret-that-is-at-least-32-characters-long -e HOOKGATE_ENCRYPTION_KEY="$key" \
  -e HOOKGATE_ALLOW_PRIVATE_TARGETS=true -e HOOKGATE_RETRY_SCHEDULE=1,1 -e HOOKGATE_ATTEMPT_TIMEOUT_MS=5000 \
  -e 'HOOKGATE_SWEEP_CRON=* * * * * *' "$image" >/dev/null 2>"$work/run.err"
node -e "
  const deadline = Date.now() + 30000;
  (async function poll() {
    try { if ((await fetch('http://127.0.0.1:$port/health')).ok) return; } catch {}
    if (Date.now() > deadline) { console.error('not healthy within 30 s'); process.exit(1); }
    setTimeout(poll, 200);
  })();" || { podman logs "$name" | tail -20; exit 1; }
step "serving on 127.0.0.1:$port"

HOOKGATE_URL="http://127.0.0.1:$port" node --test test/contract/external.ts
podman healthcheck run "$name" >/dev/null 2>&1 || { echo "HEALTHCHECK failed"; exit 1; }
step "HEALTHCHECK passes"
[ "$(podman exec "$name" id -u)" = 10001 ] || { echo "not running as uid 10001"; exit 1; }
[ "$(podman exec "$name" stat -c %u /data/hookgate.db)" = 10001 ] || { echo "/data/hookgate.db not owned by the app user"; exit 1; }
step "runs as uid 10001, which owns /data/hookgate.db"
[ "$(podman exec "$name" hookgate --version)" = "hookgate $(node -p 'require("./package.json").version')" ] || { echo "hookgate --version in the image"; exit 1; }
cli_key="$(podman exec "$name" hookgate tenant create --name Container | node -p 'JSON.parse(require("fs").readFileSync(0)).api_key')"
[ "$(node -e "fetch('http://127.0.0.1:$port/api/webhooks',{headers:{authorization:'$cli_key'}}).then(r=>console.log(r.status))")" = 404 ] || { echo "the key the CLI created in the image is not the server's"; exit 1; }
step "the image runs the CLI: hookgate --version, hookgate tenant create (its key works on the server)"
started=$(date +%s%N)
podman stop -t 30 "$name" >/dev/null 2>&1
stopped_ms=$((($(date +%s%N) - started) / 1000000))
[ "$(podman inspect "$name" --format '{{.State.ExitCode}}')" = 0 ] || { echo "exit code after SIGTERM is not 0"; podman logs "$name" | tail -5; exit 1; }
podman logs "$name" 2>&1 | grep -q '"msg":"delivery engine stopped"' || { echo "no graceful shutdown logged"; exit 1; }
step "SIGTERM: drained and exited 0 in ${stopped_ms} ms"
step "podman check passed"
