#!/bin/bash
# Host settings the integration tests need, applied before they run.
set -euo pipefail

# Hybrid cgroup hosts (cgroup v1 controllers plus a cgroup2 mount at
# /sys/fs/cgroup/unified) may leave a controller such as hugetlb on the
# cgroup2 side. crun refuses that layout ("cgroups in hybrid mode not
# supported"); mounting each such controller on its own v1 hierarchy moves
# it off cgroup2, as distributions do.
unified=/sys/fs/cgroup/unified
if [ -f "$unified/cgroup.controllers" ] && [ -d /sys/fs/cgroup/cpu ]; then
    for controller in $(cat "$unified/cgroup.controllers"); do
        mkdir -p "/sys/fs/cgroup/$controller"
        mountpoint -q "/sys/fs/cgroup/$controller" ||
            mount -t cgroup -o "$controller" cgroup "/sys/fs/cgroup/$controller"
    done
fi
