#!/usr/bin/env bash
# A WebGPU adapter on a machine without a GPU: SwiftShader, the CPU Vulkan driver Debian ships in
# chromium-common (/usr/lib/chromium/vk_swiftshader_icd.json), with the Vulkan loader (libvulkan1).
# Dawn refuses Debian 12's lavapipe. Installs both from apt when missing and prints the ICD file to
# point VK_ICD_FILENAMES at: export VK_ICD_FILENAMES="$(bash scripts/swiftshader.sh)".
# For CI and tests only: the webgpu backend never picks a software adapter unless asked by name.
set -euo pipefail
icd=/usr/lib/chromium/vk_swiftshader_icd.json
missing=()
[ -f "$icd" ] || missing+=(chromium-common)
ldconfig -p | grep -q 'libvulkan\.so\.1 ' || missing+=(libvulkan1)
if [ ${#missing[@]} -gt 0 ]; then
  echo "swiftshader.sh: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
[ -f "$icd" ] || { echo "swiftshader.sh: $icd is missing after installing chromium-common" >&2; exit 1; }
echo "$icd"
