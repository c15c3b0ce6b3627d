#!/bin/sh
# Peer comparison (issue: load mode): `studio load`, aiperf 0.13.0 and guidellm 0.3.1
# against the same simulator configuration, at c=1, 64 and 512, in one run.
# Prints TTFT/ITL error against the simulator's ground truth, achieved rate, CPU-seconds
# per 1,000 requests (the whole process tree) and peak RSS, with ratios to ours.
#
#   Benchmarks/peers/run.sh [--levels 1,64,512] [--quick]
#
# Needs the network once (PyPI) to make the two venvs in .build/peers; runs offline after.
set -eu
cd "$(dirname "$0")/../.."
PEERS=.build/peers
mkdir -p "$PEERS"
# The two peers pin incompatible dependencies: one venv each.
if [ ! -x "$PEERS/aiperf-venv/bin/aiperf" ]; then
  python3 -m venv "$PEERS/aiperf-venv"
  "$PEERS/aiperf-venv/bin/pip" install -q aiperf==0.13.0 tokenizers
fi
if [ ! -x "$PEERS/guidellm-venv/bin/guidellm" ]; then
  python3 -m venv "$PEERS/guidellm-venv"
  "$PEERS/guidellm-venv/bin/pip" install -q guidellm==0.3.1
fi
make build CONFIG=release >&2
BIN=$(swift build -c release --show-bin-path)
exec "$PEERS/aiperf-venv/bin/python" Benchmarks/peers/compare.py --studio "$BIN/studio" --peers "$PEERS" "$@"
