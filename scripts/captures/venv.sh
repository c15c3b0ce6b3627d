# Sourced by scripts/captures/sdk-check and scripts/captures/sdk-against-simulator (from
# the repository root): makes .build/sdk-venv with the pinned SDKs of requirements.txt
# when missing or out of date, and sets VENV to it.
VENV=.build/sdk-venv
_req=scripts/captures/requirements.txt
_stamp=$VENV/.requirements.sha256
_want=$(sha256sum "$_req" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$_stamp" 2>/dev/null)" != "$_want" ]; then
  echo "$(basename "$0"): installing $_req into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$_req"
  echo "$_want" >"$_stamp"
fi
unset _req _stamp _want
