#!/bin/sh
# The floor (issues: measurement core, load mode): the smallest possible clients (C, no
# runtime, no HTTP or JSON parsing) against the same simulator as the studio, on this
# machine, in one run. Benchmarks/floor/floor.c: CPU-seconds per 1,000 sequential streaming
# requests of 64 tokens (2 ms apart) and TTFT error against the simulator's ground truth,
# with the first token stamped at the read and with the kernel's arrival stamp, beside
# `measurement-accuracy`. Benchmarks/floor/floor_load.c: a closed loop of 512 connections on
# epoll, CPU per 1,000 requests, beside `studio load` at c=512, at 32 and 64 tokens a request.
#
#   Benchmarks/floor/run.sh [REQUESTS]      (default 300; release build)
set -e
cd "$(dirname "$0")/../.."
N=${1:-300}
MODEL=sim-ttft20-gap2-tok64
swift build -c release >/dev/null
BIN=$(swift build -c release --show-bin-path)
OUT=.build/floor
mkdir -p "$OUT"
cc -O2 -Wall -o "$OUT/floor" Benchmarks/floor/floor.c
cc -O2 -Wall -o "$OUT/floor_load" Benchmarks/floor/floor_load.c
PIN0= ; PIN1=
if command -v taskset >/dev/null; then PIN0="taskset -c 0"; PIN1="taskset -c 1"; fi
$PIN1 "$BIN/studio" simulate --port 0 > "$OUT/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q http:// "$OUT/sim.log" && break; sleep 0.1; done
BASE=$(grep -o 'http://[0-9.:]*' "$OUT/sim.log" | head -1)
PORT=${BASE##*:}
$PIN0 "$OUT/floor" "$PORT" "$N" "$MODEL" blocking > "$OUT/blocking.txt"
$PIN0 "$OUT/floor" "$PORT" "$N" "$MODEL" peek > "$OUT/peek.txt"
STUDIO_SIMULATOR_URL=$BASE $PIN0 "$BIN/measurement-accuracy" "$N" "$MODEL" > "$OUT/studio.txt"
python3 - "$BASE" "$N" "$OUT" <<'PY'
import json, re, sys, urllib.request
base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def pct(v, q):
    v = sorted(v); r = q / 100 * (len(v) - 1); lo = int(r); hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (r - lo)
def floor(name):
    rows, cpu = [], None
    for line in open(f"{out}/{name}.txt"):
        f = line.split()
        if f[0] == "cpu": cpu = float(f[1]); continue
        rid, t0, user, kernel = f[0], int(f[1]), int(f[2]), int(f[3])
        g = json.load(urllib.request.urlopen(f"{base}/sim/requests/{rid}"))
        truth = g["first_token_ns"] - g["received_ns"]
        rows.append(((user - t0) - truth, (kernel - t0) - truth if kernel else None))
    return cpu / n * 1000, [abs(u) / 1e6 for u, _ in rows], [abs(k) / 1e6 for _, k in rows if k is not None]
text = open(f"{out}/studio.txt").read()
studio_cpu = float(re.search(r"client CPU: ([0-9.]+)", text).group(1))
m = re.search(r"TTFT \|error\| ms: p50 ([0-9.]+)\s+p99 ([0-9.]+)\s+max ([0-9.]+)", text)
studio_err = tuple(float(x) for x in m.groups())
b_cpu, b_user, _ = floor("blocking")
p_cpu, p_user, p_kernel = floor("peek")
rows = [("C floor: blocking read(), stamp at the read", b_cpu, b_user),
        ("C floor: poll + peek + read(), stamp at the read", p_cpu, p_user),
        ("C floor: poll + peek + read(), kernel stamp", p_cpu, p_kernel)]
print(f"{n} sequential requests of 64 tokens (2 ms apart), simulator pinned to CPU 1, clients to CPU 0")
print(f"{'client':52s} {'CPU-s/1k':>9s} {'TTFT err p50':>13s} {'p99':>7s} {'max':>7s}  (ms)")
for name, c, e in rows:
    print(f"{name:52s} {c:9.3f} {pct(e, 50):13.3f} {pct(e, 99):7.3f} {max(e):7.3f}")
print(f"{'studio (measurement-accuracy, kernel stamps)':52s} {studio_cpu:9.3f} {studio_err[0]:13.3f} {studio_err[1]:7.3f} {studio_err[2]:7.3f}")
print(f"studio CPU ÷ blocking floor: {studio_cpu / b_cpu:.2f}; ÷ poll+peek floor: {studio_cpu / p_cpu:.2f}")
print("target (issue 3): <= 0.2 CPU-s per 1k requests; p99 TTFT error <= 0.3 ms")
PY

# Load mode at c=512 (issue: load mode): the C closed loop with epoll, then `studio load`,
# at 32 tokens a request (the peer table's schedule) and at 64 (the issue's figure).
for TOKENS in 32 64; do
  LOAD_MODEL=sim-ttft50-gap20-tok$TOKENS
  echo
  echo "c=512 closed loop, 1,536 requests of $LOAD_MODEL (after one warm-up per connection)"
  $PIN0 "$OUT/floor_load" "$PORT" 512 1536 $LOAD_MODEL plain
  $PIN0 "$OUT/floor_load" "$PORT" 512 1536 $LOAD_MODEL peek
  $PIN0 "$BIN/studio" load --provider openai --base-url "$BASE/v1" --model $LOAD_MODEL --concurrency 512 \
      --requests 1536 --max-tokens $TOKENS --json 2>/dev/null > "$OUT/studio-load.json"
  python3 - "$OUT/studio-load.json" <<'PY'
import json, sys
level = json.load(open(sys.argv[1]))["levels"][0]
print(f"studio load c=512: {level['ok']} requests, {level['client_cpu_s_per_1k']:.3f} CPU-s per 1k requests "
      f"(warm-up included), {level['requests_per_s']:.1f} req/s, dispatch lag p99 {level['dispatch_lag_ms']['p99']:.3f} ms")
PY
done
echo "target (issue 10): <= 0.2 CPU-s per 1k requests of 64 tokens"
