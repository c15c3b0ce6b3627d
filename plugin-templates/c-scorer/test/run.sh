#!/bin/sh
# The sample test: scores test/outputs.jsonl against test/cases.jsonl and checks each score.
#   sh test/run.sh STUDIO PLUGIN_FOLDER
set -eu
STUDIO=$1
FOLDER=$2
HERE=$(dirname "$0")
RESULT=$("$STUDIO" score --plugins "$FOLDER" --scorer regex-args --cases "$HERE/cases.jsonl" --outputs "$HERE/outputs.jsonl" --json)
for expected in "good 1" "bad-days 0" "silent 0" "none 1"; do
  set -- $expected
  if ! echo "$RESULT" | grep -q "^{\"id\":\"$1\",.*\"score\":$2,"; then
    echo "sample test failed: $1 should score $2; got:" >&2
    echo "$RESULT" >&2
    exit 1
  fi
done
echo "sample test: 4 scores as expected"
