#!/bin/sh
# The sample end-to-end test: the built plugin verified and used by `studio score`.
#   sh test/run.sh STUDIO BUILD_FOLDER
set -eu
STUDIO=$1
FOLDER=$2
HERE=$(dirname "$0")
"$STUDIO" plugins verify "$FOLDER/libstudio_ordered_calls.so"
RESULT=$("$STUDIO" score --plugins "$FOLDER" --scorer ordered-calls --cases "$HERE/cases.jsonl" --outputs "$HERE/outputs.jsonl" --json)
echo "$RESULT" | grep -Eq '^\{"id":"in-order",.*"score":1(\.0)?,' && echo "$RESULT" | grep -Eq '^\{"id":"swapped",.*"score":0(\.0)?,' || {
  echo "sample test failed: $RESULT" >&2; exit 1; }
echo "sample test: scores as expected"
