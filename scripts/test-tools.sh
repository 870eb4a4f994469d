#!/usr/bin/env bash
# Programs the tests use to make audio and to drive a browser. Installs the
# missing ones from Debian's packages when it can (root with apt-get).
set -euo pipefail
declare -A package=(
  [ffmpeg]=ffmpeg [sox]=sox [espeak-ng]=espeak-ng [fluidsynth]=fluidsynth [chromium]=chromium
)
missing=()
for tool in "${!package[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${package[$tool]}")
done
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || missing+=(fluid-soundfont-gm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing test tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them (sudo apt-get install ${missing[*]}) and run make test again." >&2
  exit 1
fi
