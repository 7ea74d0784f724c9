#!/bin/bash
# Runs runc's own integration suite (bats) twice: once against runc itself
# and once through container-hooks-runtime, and leaves one TAP report per
# pass and test file for the caller to compare
# (tests/integration/tests/runc_suite.rs does).
#
# Nothing of runc is kept in this repository. The tests come from Debian's
# source package of the installed runc (`apt-get source`), their helper
# programs are built with Debian's Go and the Go libraries that
# `apt-get build-dep runc` installs, and the two root filesystems they use
# are made locally: busybox from busybox-static, Debian from the tarball the
# caller names. The files are placed where runc's get-images.sh looks for
# them, so it downloads nothing, and no file of runc's is changed.
#
# Environment (all required):
#   RUNC_SUITE_SHIM        the container-hooks-runtime binary to test
#   RUNC_SUITE_DEBIAN_TAR  a tarball of a Debian root filesystem
#   RUNC_SUITE_CACHE       where the sources, helpers and images are kept
#                          between runs (target/runc-suite)
#   RUNC_SUITE_OUT         an empty or missing directory for this run
# Optional:
#   RUNC_SUITE_FILES       test files to run (names without .bats); default:
#                          every file of runc's tests/integration
#   RUNC_SUITE_JOBS        test files run at once (default 3)
#
# Output: $RUNC_SUITE_OUT/{runc,shim}/<file>/report.tap and output.txt (what
# bats printed on its terminal), $RUNC_SUITE_OUT/hook-calls (one line per
# createRuntime hook run through the shim) and the shim's config.
set -euo pipefail

die() {
    echo "runc-suite: $*" >&2
    exit 1
}

# A string as a TOML (and JSON) string.
toml_string() {
    jq -n --arg s "$1" '$s'
}

# A string single-quoted for /bin/sh.
sh_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

# The test files, longest first, so that the jobs end at about the same
# time. A file that is not named here runs after these.
LONGEST_FIRST=(events seccomp-notify cgroups exec update tty hooks dev delete
    start_hello mounts_recursive seccomp ps mounts debug mask start_detached
    userns create)

# Files whose tests share something of the host's: set_cgroups_path puts
# containers below one fixed cgroup, /runc-cgroups-integration-test, which
# every test's teardown removes once it is empty (and update.bats gives its
# children all of the host's real-time CPU time); delete.bats looks for its
# containers' cgroups by name in all of /sys/fs/cgroup. These files run
# one at a time, holding a host-wide lock (another run of this suite may be
# going on), while the other files run beside them.
exclusive_file() {
    grep -qE 'set_cgroups_path|find /sys/fs/cgroup' "$INTEGRATION/$1.bats"
}
LOCK_DIR=/run/lock
LOCK=$LOCK_DIR/container-hooks-runc-suite.lock

# --- one job: a test file in one pass ------------------------------------

# The directories of this process's own cgroups, one per hierarchy.
own_cgroups() {
    local id controllers path mnt root
    while IFS=: read -r id controllers path; do
        # mount point and root of the hierarchy that holds these controllers
        read -r mnt root < <(awk -v want="$controllers" '
            {
                for (i = 7; $i != "-"; i++) {}
                fstype = $(i + 1); n = split($(i + 3), opts, ",")
                if (want == "" && fstype == "cgroup2") { print $5, $4; exit }
                if (want == "" || fstype != "cgroup") next
                m = split(want, w, ","); found = 0
                for (k = 1; k <= m; k++)
                    for (j = 1; j <= n; j++)
                        if (opts[j] == w[k]) found++
                if (found == m) { print $5, $4; exit }
            }' /proc/self/mountinfo)
        [ -n "$mnt" ] || continue
        [ "$root" = / ] || path=${path#"$root"}
        echo "$mnt${path%/}"
    done </proc/self/cgroup
}

# Moves this shell into a cgroup of its own: <own>/<name>/job in every
# hierarchy. runc puts a container without cgroupsPath below its own cgroup
# (cgroup v1) or beside it (cgroup v2), so the containers of every job land
# in <own>/<name> and never share a cgroup (and a freezer) with another
# job's, although every test names its container test_busybox.
enter_cgroup() {
    local name=$1 dir sub
    for dir in $(own_cgroups); do
        for sub in "$dir/$name" "$dir/$name/job"; do
            mkdir -p "$sub"
            if [ -f "$sub/cpuset.cpus" ] && [ -z "$(cat "$sub/cpuset.cpus")" ]; then
                cat "$(dirname "$sub")/cpuset.cpus" >"$sub/cpuset.cpus"
                cat "$(dirname "$sub")/cpuset.mems" >"$sub/cpuset.mems"
            fi
        done
        echo "$BASHPID" >"$dir/$name/job/cgroup.procs"
    done
}

# Removes what is left of the cgroups named <own>/<prefix>* once every job
# has ended (the containers' own cgroups are runc delete's job).
remove_cgroups() {
    local prefix=$1 dir
    for dir in $(own_cgroups); do
        find "$dir" -mindepth 1 -depth -type d -path "$dir/$prefix*" -exec rmdir {} + 2>/dev/null || true
    done
}

# job PASS FILE: runs one test file against $RUNC under a terminal.
job() {
    local pass=$1 file=$2 dir tmp rc start
    dir=$RUNC_SUITE_OUT/$pass/$file
    mkdir -p "$dir"
    enter_cgroup "runc-suite.$RUN_ID.$pass.$file"
    # The tests' bundles and sockets: a short path (a socket's is at most
    # 107 bytes), a directory of the job's own.
    tmp=$(mktemp -d /tmp/runc-suite.XXXXXX)
    # userns.bats: the container's root (host uid 100000) walks down to the
    # bundle.
    chmod 755 "$tmp"
    # A file that hangs is stopped, and its report comes out short.
    local cmd=(timeout "$FILE_TIMEOUT" bats --tap --report-formatter tap --output "$dir" "$INTEGRATION/$file.bats")
    if exclusive_file "$file"; then
        cmd=(flock "$LOCK" "${cmd[@]}")
    fi
    # runc's tty tests need a terminal on stdin: script(1) makes one.
    cmd=(script -qefc "$(printf '%q ' "${cmd[@]}")" /dev/null)
    # On a hybrid host (cgroup v1 controllers and cgroup2 at
    # /sys/fs/cgroup/unified) runc 1.1 puts every container without a
    # cgroupsPath in /sys/fs/cgroup/unified/<id>, whatever its own cgroup,
    # so two jobs' test_busybox would share one. In a mount namespace of
    # the job's own, the job's cgroup (<own>/<name>) takes that place.
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        local unified
        unified=$(own_cgroups | grep '^/sys/fs/cgroup/unified/')
        cmd=(unshare --mount --propagation private -- sh -c \
            'mount --bind "$0" /sys/fs/cgroup/unified && exec "$@"' "$(dirname "$unified")" "${cmd[@]}")
    fi
    start=$SECONDS
    rc=0
    TMPDIR=$tmp RUNC=$([ "$pass" = shim ] && echo "$SHIM_WRAPPER" || command -v runc) SHELL=/bin/bash \
        "${cmd[@]}" </dev/null >"$dir/output.txt" 2>&1 || rc=$?
    # A file stopped halfway leaves its containers running: delete them.
    local state ct
    for state in "$tmp"/bats-run-*/runc.*/state; do
        [ -d "$state" ] || continue
        for ct in $(runc --root "$state" list -q 2>/dev/null); do
            runc --root "$state" delete -f "$ct" || true
        done
    done
    rm -rf "$tmp"
    echo "$pass $file: exit $rc after $((SECONDS - start)) s" >>"$RUNC_SUITE_OUT/jobs.log"
}

if [ "${1:-}" = __job ]; then
    job "$2" "$3"
    exit 0
fi

# --- preparation (cached in $RUNC_SUITE_CACHE) -----------------------------

# busybox_image TAR: the busybox image the tests expect (the layout, users
# and groups of Docker's busybox image), with Debian's static busybox.
busybox_image() {
    local tar=$1 rootfs applet
    rootfs=$(mktemp -d "$CACHE/busybox.XXXXXX")
    chmod 755 "$rootfs"
    (
        cd "$rootfs"
        mkdir -p bin dev etc home lib root tmp usr/bin usr/sbin var/spool/mail var/www
        chmod 700 root
        chmod 1777 tmp
        cp "$(command -v busybox)" bin/busybox
        for applet in $(bin/busybox --list); do
            [ "$applet" = busybox ] || ln -s busybox "bin/$applet"
        done
        cat >etc/passwd <<-EOF
		root:x:0:0:root:/root:/bin/sh
		daemon:x:1:1:daemon:/usr/sbin:/bin/false
		bin:x:2:2:bin:/bin:/bin/false
		sys:x:3:3:sys:/dev:/bin/false
		sync:x:4:100:sync:/bin:/bin/sync
		mail:x:8:8:mail:/var/spool/mail:/bin/false
		www-data:x:33:33:www-data:/var/www:/bin/false
		operator:x:37:37:Operator:/var:/bin/false
		nobody:x:65534:65534:nobody:/home:/bin/false
		EOF
        cat >etc/group <<-EOF
		root:x:0:
		daemon:x:1:
		bin:x:2:
		sys:x:3:
		adm:x:4:
		tty:x:5:
		disk:x:6:
		wheel:x:10:root
		mail:x:8:
		www-data:x:33:
		operator:x:37:
		staff:x:50:
		users:x:100:
		nogroup:x:65534:
		EOF
    )
    mkdir -p "$(dirname "$tar")"
    tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$tar.tmp" .
    mv "$tar.tmp" "$tar"
    rm -rf "$rootfs"
}

for var in RUNC_SUITE_SHIM RUNC_SUITE_DEBIAN_TAR RUNC_SUITE_CACHE RUNC_SUITE_OUT; do
    [ -n "${!var:-}" ] || die "$var is not set (see the top of $0)"
done
[ -x "$RUNC_SUITE_SHIM" ] || die "$RUNC_SUITE_SHIM is not an executable (cargo build --workspace --bins)"
[ -f "$RUNC_SUITE_DEBIAN_TAR" ] || die "$RUNC_SUITE_DEBIAN_TAR is missing"
for program in runc apt-get dpkg-source go gcc jq gawk bats parallel script flock unshare timeout busybox nsenter; do
    command -v "$program" >/dev/null || die "$program is not installed: run ci/install-deps.sh"
done
mkdir -p "$RUNC_SUITE_CACHE"
CACHE=$(readlink -f "$RUNC_SUITE_CACHE")

# The source of the installed runc, from Debian's archive (deb-src).
runc=$(command -v runc)
dpkg -S "$(readlink -f "$runc")" >/dev/null 2>&1 ||
    die "$runc is not the runc of Debian's runc package"
read -r src_package src_version < <(dpkg-query -W -f '${source:Package} ${source:Version}\n' runc)
SRC=$CACHE/src/$src_package-$src_version
if [ ! -d "$SRC" ]; then
    rm -rf "$SRC.partial"
    mkdir -p "$SRC.partial"
    (cd "$SRC.partial" && apt-get -q -o APT::Sandbox::User=root source "$src_package=$src_version") >&2 ||
        die "apt-get source $src_package=$src_version failed: is deb-src enabled (ci/install-deps.sh)?"
    mv "$SRC.partial"/"$src_package"-*/ "$SRC"
    rm -rf "$SRC.partial"
fi
INTEGRATION=$SRC/tests/integration
[ -f "$INTEGRATION/helpers.bash" ] || die "$INTEGRATION holds no runc integration tests"

# The helpers runc's tests run, where helpers.bash looks for them, built as
# dh-golang builds runc: GOPATH mode, Debian's Go libraries.
gopath=$CACHE/gopath
mkdir -p "$gopath/src/github.com/opencontainers"
ln -sfn "$SRC" "$gopath/src/github.com/opencontainers/runc"
for helper in recvtty seccompagent; do
    out=$SRC/contrib/cmd/$helper/$helper
    [ -x "$out" ] && continue
    (cd "$gopath/src/github.com/opencontainers/runc" &&
        GO111MODULE=off GOPATH=$gopath:/usr/share/gocode GOCACHE=$CACHE/gocache GOFLAGS= GOPROXY=off \
            go build -tags seccomp -o "$out.tmp" "./contrib/cmd/$helper") ||
        die "building $helper failed: are runc's build dependencies installed (apt-get build-dep runc)?"
    mv "$out.tmp" "$out"
done

# The images, under the names get-images.sh gives them.
arch=$(go env GOARCH)
[ "$arch" = amd64 ] || [ "$arch" = arm64 ] || die "architecture $arch: only amd64 and arm64 are set up"
busybox_tar=$CACHE/images/busybox.tar
if [ ! -f "$busybox_tar" ] || [ "$(command -v busybox)" -nt "$busybox_tar" ]; then
    busybox_image "$busybox_tar"
fi
# The Debian image without apt's caches, documentation and translations,
# as Debian's "slim" images are: what runc's tests use, and less to unpack.
debian_tar=$CACHE/images/debian-slim.tar
if [ ! -f "$debian_tar" ] || [ "$RUNC_SUITE_DEBIAN_TAR" -nt "$debian_tar" ]; then
    tar --delete -f - <"$RUNC_SUITE_DEBIAN_TAR" >"$debian_tar.tmp" \
        --wildcards './var/cache/apt/*' './var/lib/apt/lists/*' \
        './usr/share/doc/*' './usr/share/locale/*' './usr/share/man/*' './usr/share/info/*'
    mv "$debian_tar.tmp" "$debian_tar"
fi
# Uncompressed tarballs under .xz names: tar finds the format by itself,
# and every test unpacks one, so this saves a decompression per test.
ln -sfn "$busybox_tar" "$INTEGRATION/testdata/busybox-$arch.tar.xz"
ln -sfn "$debian_tar" "$INTEGRATION/testdata/debian-$arch.tar.xz"

# --- the shim's configuration --------------------------------------------

[ ! -e "$RUNC_SUITE_OUT" ] || [ -z "$(ls -A "$RUNC_SUITE_OUT")" ] ||
    die "$RUNC_SUITE_OUT is not empty"
mkdir -p "$RUNC_SUITE_OUT"
OUT=$(readlink -f "$RUNC_SUITE_OUT")
conf=$OUT/shim-config
mkdir -p "$conf/hooks.d"
chmod 755 "$OUT" "$conf" "$conf/hooks.d"
# One createRuntime hook, run on the host for every container the shim
# creates: it records that it ran.
jq -n --arg calls "$OUT/hook-calls" '{createRuntime: [{
    path: "/bin/sh",
    args: ["sh", "-c", "cat >/dev/null && echo ran >>\"$1\"", "sh", $calls],
    timeout: 10}]}' >"$conf/hooks.json"
cat >"$conf/config.toml" <<EOF
[container-hooks]
path = $(toml_string "$conf/hooks.json")
hooks-dirs = [$(toml_string "$conf/hooks.d")]

[container-hooks-runtime]
debug = $(toml_string "$conf/runtime.log")
runtimes = ["runc"]
EOF
chmod 644 "$conf/hooks.json" "$conf/config.toml"
SHIM_WRAPPER=$conf/runc
cat >"$SHIM_WRAPPER" <<EOF
#!/bin/sh
CONTAINER_HOOKS_CONFIG=$(sh_quote "$conf/config.toml") exec $(sh_quote "$(readlink -f "$RUNC_SUITE_SHIM")") "\$@"
EOF
chmod 755 "$SHIM_WRAPPER"

# --- the runs --------------------------------------------------------------

if [ -n "${RUNC_SUITE_FILES:-}" ]; then
    read -ra files <<<"$RUNC_SUITE_FILES"
else
    files=()
    for f in "${LONGEST_FIRST[@]}"; do
        [ -f "$INTEGRATION/$f.bats" ] && files+=("$f")
    done
    for f in "$INTEGRATION"/*.bats; do
        f=$(basename "$f" .bats)
        [[ " ${files[*]} " == *" $f "* ]] || files+=("$f")
    done
fi
for f in "${files[@]}"; do
    [ -f "$INTEGRATION/$f.bats" ] || die "$INTEGRATION/$f.bats does not exist"
done

mkdir -p "$LOCK_DIR"
RUN_ID=$$
export RUNC_SUITE_OUT=$OUT RUN_ID INTEGRATION SHIM_WRAPPER
# Not BATS_TEST_TIMEOUT: its timer is a background job of the test, and
# tests that `wait` for their own background jobs (events.bats) would wait
# for it too.
export FILE_TIMEOUT=180
start=$SECONDS
trap 'remove_cgroups "runc-suite.$RUN_ID."' EXIT
# Two lanes: the exclusive files one after the other, the rest beside them.
exclusive=() shared=()
for pass in runc shim; do
    for f in "${files[@]}"; do
        if exclusive_file "$f"; then exclusive+=("$pass $f"); else shared+=("$pass $f"); fi
    done
done
lane() {
    local jobs=$1
    shift
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" | parallel --will-cite --jobs "$jobs" --colsep ' ' "$0" __job {1} {2}
}
slots=${RUNC_SUITE_JOBS:-3}
lane 1 "${exclusive[@]}" &
lane "$((slots > 1 ? slots - 1 : 1))" "${shared[@]}"
wait $!
echo "runc-suite: ${#files[@]} files, 2 passes, $((SECONDS - start)) s wall time" >>"$OUT/jobs.log"
