#!/usr/bin/env bash
# Installs the Debian packages that building and testing assetgen need.
# Idempotent: only missing packages are installed, and the script says which.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  libarchive-dev libjansson-dev libyaml-dev libssl-dev libgpgme-dev
  zlib1g-dev libzstd-dev liblzma-dev libbz2-dev
  gnupg
  librpm-dev libcreaterepo-c-dev
)
test_pkgs=(
  libcriterion-dev clang-format cppcheck valgrind
  libarchive-tools nginx-light libnginx-mod-http-js python3-venv python3-packaging curl clang libclang-rt-14-dev shellcheck
  git
  dpkg-dev lintian apt gpgv
  rpm rpmlint dnf createrepo-c cpio zypper
)

want=("${build_pkgs[@]}")
case "${1:-all}" in
  build) ;;
  all|test) want+=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
