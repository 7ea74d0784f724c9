#!/bin/bash
# The test command: installs what the suite needs, then runs every test
# (unit, golden and integration against real runc, crun, containerd and
# dockerd). Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
bash ci/prepare-host.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --workspace --bins
cargo test --workspace
