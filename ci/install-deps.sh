#!/bin/bash
# Programs the test suite needs on a fresh Debian 12 machine (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# runc/crun/busybox: bundles; containerd and docker.io: isolated engines in
# the integration tests; e2fsprogs (chattr) and mount: read-only engine
# files in the CLI tests.
apt-get install -y --no-install-recommends \
    runc crun busybox-static containerd docker.io e2fsprogs mount
