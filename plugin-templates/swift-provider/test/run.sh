#!/bin/sh
# The sample end-to-end test: the built plugin verified, then benchmarked against the
# studio's simulator (which speaks this API; no key, no network).
#   sh test/run.sh STUDIO BUILD_FOLDER
set -eu
STUDIO=$1
FOLDER=$2
"$STUDIO" plugins verify "$FOLDER/libstudio_jsonl_swift.so"
RESULT=$("$STUDIO" bench --plugins "$FOLDER" --provider jsonl-swift --base-url simulator --model sim-ttft40-gap5-tok12 \
  --runs 2 --max-tokens 12 --no-warmup --json | tr -d ' \n')
OK=$(echo "$RESULT" | grep -o '"ok":true' | wc -l)
if [ "$OK" -ne 2 ] || ! echo "$RESULT" | grep -q '"output_tokens":12,'; then
  echo "sample test failed: expected 2 successful runs of 12 tokens: $RESULT" >&2
  exit 1
fi
echo "sample test: 2 runs of 12 tokens against the simulator"
