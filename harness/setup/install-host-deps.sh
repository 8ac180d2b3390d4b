#!/usr/bin/env bash
# Install what kph needs on a Debian bookworm host (apt-get) and the npm packages, once.
# Idempotent and quick when everything is there; README's two commands run it first.
set -euo pipefail
cd "$(dirname "$0")/../.."

PKGS=(
  linux-source-6.12                 # the default base kernel (/usr/src/linux-source-6.12.tar.xz)
  build-essential flex bison bc libelf-dev libssl-dev cpio kmod   # kernel build
  ccache patch rsync xz-utils lz4   # lz4: the compressed kernel (CONFIG_KERNEL_LZ4)
  qemu-system-x86                   # the VM
  debootstrap e2fsprogs             # the guest image
  openssh-client util-linux         # ssh-keygen for the pinned host key, setpriv
  chromium                          # the end-to-end tests check that report.html renders
  gcc-multilib liburing-dev         # --suite audit-testsuite: its helpers, built with gcc -static (one 32-bit, one io_uring)
  lcov                              # kph run --coverage: the kernel's gcov counters as line counts and a tracefile
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "kph setup: installing ${missing[*]}" >&2
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "kph setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 3; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: install when missing or when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "kph setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
