#!/bin/bash
# The test command: installs what the suite needs, then runs every test
# (unit, golden and integration against real runc, crun, containerd and
# dockerd). Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
bash ci/prepare-host.sh

cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --workspace --bins
# The fuzz targets are a workspace of their own (cargo-fuzz runs them,
# `cargo xtask reliability fuzz`): they must keep compiling.
cargo check --locked --manifest-path fuzz/Cargo.toml --bins
cargo test --workspace

# The package lifecycle installs and removes the packages on this machine,
# so its tests are #[ignore]d: they run here, on CI's throw-away machine
# (CI=true), or where CONTAINER_HOOKS_LIFECYCLE=1 says the machine may be
# changed.
if [[ "${CI:-}" == true || "${CONTAINER_HOOKS_LIFECYCLE:-}" == 1 ]]; then
    cargo test -p integration-tests --test package_lifecycle -- --ignored
else
    echo "ci/test.sh: the package lifecycle tests change this machine: set CI=true or CONTAINER_HOOKS_LIFECYCLE=1 to run them" >&2
fi
