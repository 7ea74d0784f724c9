#!/bin/bash
# Tools the package build and the package tests need (cargo xtask package,
# tests/integration/tests/package*.rs). Run as root on Debian 12.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    dpkg-dev lintian rpm rpmlint debootstrap dash gzip \
    runc containerd docker.io busybox-static

# Pinned packaging tools; skipped when the pinned version is there already.
need() {
    local tool=$1 crate=$2 version=$3
    if ! "$tool" --version 2>/dev/null | grep -qF "$version"; then
        cargo install --locked "$crate@$version"
    fi
}
need cargo-deb cargo-deb 3.8.0
need cargo-generate-rpm cargo-generate-rpm 0.21.1
