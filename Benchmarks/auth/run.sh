#!/usr/bin/env bash
# Login latency (bcrypt cost 12) and authenticated-read latency under 200 concurrent
# connections, against a release `studio serve` on loopback. Prints figures; not a test.
#   Benchmarks/auth/run.sh [LOGINS] [SECONDS]
# Needs curl and wrk (Debian: apt-get install wrk); builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOGINS=${1:-40}
SECONDS_RUN=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
make build CONFIG=release >/dev/null
BIN=$(swift build -c release --show-bin-path)
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export HOME=$WORK STUDIO_MASTER_KEY_FILE=$WORK/master.key
unset STUDIO_DATABASE_URL STUDIO_JWT_SECRET
echo "bench-password-123" | "$BIN/studio" admin create --email bench@example.com --password-stdin --data "$WORK/data" >/dev/null
"$BIN/studio" serve --port "$PORT" --data "$WORK/data" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

BODY='{"email":"bench@example.com","password":"bench-password-123"}'
for _ in $(seq "$LOGINS"); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' --data "$BODY" "http://127.0.0.1:$PORT/api/auth/login"
done > "$WORK/logins.txt"
TOKEN=$(curl -s -H 'Content-Type: application/json' --data "$BODY" "http://127.0.0.1:$PORT/api/auth/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

python3 - "$WORK/logins.txt" <<'PY'
import sys
xs = sorted(float(l) * 1000 for l in open(sys.argv[1]) if l.strip())
def pct(p): return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(f"login (bcrypt cost 12), {len(xs)} sequential: p50 {pct(50):.1f} ms  p99 {pct(99):.1f} ms  min {xs[0]:.1f} ms")
PY

echo "authenticated read GET /api/auth/me, 200 connections, ${SECONDS_RUN}s:"
wrk -t2 -c200 -d"${SECONDS_RUN}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/auth/me" \
  | grep -E "Requests/sec|50%|90%|99%|Non-2xx|Socket errors" | sed 's/^/  /'
echo "authenticated read GET /api/providers, 200 connections, ${SECONDS_RUN}s:"
wrk -t2 -c200 -d"${SECONDS_RUN}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/providers" \
  | grep -E "Requests/sec|50%|90%|99%|Non-2xx|Socket errors" | sed 's/^/  /'
echo "public GET /healthz (no auth, no database), 200 connections, ${SECONDS_RUN}s, for comparison:"
wrk -t2 -c200 -d"${SECONDS_RUN}s" --latency "http://127.0.0.1:$PORT/healthz" \
  | grep -E "Requests/sec|50%|90%|99%|Non-2xx|Socket errors" | sed 's/^/  /'
