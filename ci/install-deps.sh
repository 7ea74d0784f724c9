#!/bin/bash
# Programs the test suite needs on a fresh Debian 12 machine (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# runc's own integration suite (tests/runc-suite) is taken from the source
# package of the installed runc: apt needs deb-src entries for it.
deb_src=/etc/apt/sources.list.d/debian-src.sources
if [ ! -f "$deb_src" ] &&
    ! grep -Eqs '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/*; then
    cat >"$deb_src" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
apt-get update
# runc/crun/busybox: bundles; containerd and docker.io: isolated engines in
# the integration tests; e2fsprogs (chattr) and mount: read-only engine
# files in the CLI tests; lintian, rpm, rpmlint, dash, debootstrap and gzip:
# the package tests (lints, dpkg/rpm lifecycle, clean-room Debian 12).
apt-get install -y --no-install-recommends \
    runc crun busybox-static containerd docker.io e2fsprogs mount \
    lintian rpm rpmlint dash debootstrap gzip

# Pinned packaging tools (cargo xtask package); skipped when the pinned
# version is there already.
need() {
    local tool=$1 crate=$2 version=$3
    if ! "$tool" --version 2>/dev/null | grep -qF "$version"; then
        cargo install --locked "$crate@$version"
    fi
}
need cargo-deb cargo-deb 3.8.0
need cargo-generate-rpm cargo-generate-rpm 0.21.1

# The Kubernetes deployment tests: kubernetes-validate checks the manifests
# against the Kubernetes 1.30 schemas it bundles (offline; it brings PyYAML,
# which the tests also use); libc6-dev has the static glibc that the
# installer image's static-pie binaries link; unshare (util-linux) gives
# containerd the host root's /etc in a mount namespace of its own.
apt-get install -y --no-install-recommends python3 python3-pip libc6-dev util-linux
python3 -m pip install --break-system-packages kubernetes-validate==1.37.0

# runc's integration suite: its helpers (recvtty, seccompagent) are built
# with Debian's Go and the Go libraries runc is built with (build-dep);
# dpkg-dev unpacks the source; bats runs the tests, GNU parallel runs test
# files side by side; the tests themselves use jq, gawk and gcc (static
# test programs, hence libc6-dev).
apt-get -o DPkg::Lock::Timeout=600 build-dep -y runc
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
    dpkg-dev bats parallel jq gawk gcc libc6-dev
