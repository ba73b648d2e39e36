#!/usr/bin/env bash
# Installs the Debian packages listed in the given files (one per line, # comments) that are not
# installed yet: deps/debian.txt (build), deps/debian-test.txt (tests), deps/debian-fuzz.txt (fuzzing).
#   scripts/install-debian-deps.sh deps/debian.txt [more lists...]
set -euo pipefail
wanted=()
for list in "$@"; do
  mapfile -t -O "${#wanted[@]}" wanted < <(grep -v '^\s*#' "$list" | sed '/^\s*$/d')
done
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
echo "installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
