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
# runc/crun/busybox: bundles; containerd, docker.io and podman: engines in
# the integration tests (podman 4.3 with conmon, no network stack needed);
# gcc and libc6-dev: the static pause program of the CRI tests' sandbox
# image; g++: libFuzzer, which the fuzz targets' check builds; e2fsprogs
# (chattr) and mount: read-only engine files in the CLI tests; lintian, rpm
# (rpmbuild makes the .rpm), rpmlint, dash, debootstrap, gzip and
# logrotate: the package tests (lints, dpkg/rpm lifecycle, clean-room
# Debian 12, the shipped logrotate file).
apt-get install -y --no-install-recommends \
    runc crun busybox-static containerd docker.io podman gcc g++ libc6-dev \
    e2fsprogs mount lintian rpm rpmlint dash debootstrap gzip logrotate
# The completion tests drive each shell with the shipped scripts; the man
# page tests format every page with man(1) and check it with groff and
# mandoc.
apt-get install -y --no-install-recommends \
    bash bash-completion zsh fish man-db groff mandoc
# cargo xtask repo and its tests: apt-ftparchive (apt-utils), createrepo_c,
# gpg and gpgv, rpmsign and rpmkeys (rpm).
apt-get install -y --no-install-recommends \
    apt-utils createrepo-c gnupg gpgv rpm

# Pinned packaging tools (cargo xtask package); skipped when the pinned
# version is there already.
need() {
    local tool=$1 crate=$2 version=$3
    if ! "$tool" --version 2>/dev/null | grep -qF "$version"; then
        cargo install --locked "$crate@$version"
    fi
}
need cargo-deb cargo-deb 3.8.0

# The Kubernetes deployment tests: kubernetes-validate checks the manifests
# against the Kubernetes 1.30 schemas it bundles (offline; it brings PyYAML,
# which the tests also use); libc6-dev has the static glibc that the
# installer image's static-pie binaries link; unshare (util-linux) gives
# containerd the host root's /etc in a mount namespace of its own.
apt-get install -y --no-install-recommends python3 python3-pip libc6-dev util-linux
python3 -m pip install --break-system-packages kubernetes-validate==1.37.0

# The CRI client of the integration tests (tests/integration/cri): grpcio,
# and grpcio-tools to generate its stubs from cri.proto at test time.
python3 -m pip install --break-system-packages \
    grpcio==1.68.1 grpcio-tools==1.68.1 protobuf==5.29.3

# runc's integration suite: its helpers (recvtty, seccompagent) are built
# with Debian's Go and the Go libraries runc is built with (build-dep);
# dpkg-dev unpacks the source; bats runs the tests, GNU parallel runs test
# files side by side; the tests themselves use jq, gawk and gcc (static
# test programs, hence libc6-dev).
apt-get -o DPkg::Lock::Timeout=600 build-dep -y runc
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
    dpkg-dev bats parallel jq gawk gcc libc6-dev
