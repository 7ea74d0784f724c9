# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_container_hooks_ctk_global_optspecs
    string join \n debug q/quiet h/help V/version
end

function __fish_container_hooks_ctk_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_container_hooks_ctk_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_container_hooks_ctk_using_subcommand
    set -l cmd (__fish_container_hooks_ctk_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -s V -l version -d 'Print version'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "runtime" -d 'Wire the shim into a container engine, take it out, or report'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "config" -d 'Print the config.toml in effect, or set keys in it; print the defaults'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "hooks" -d 'Inspect hook sources: list them, validate them, preview a bundle'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "install" -d 'Install the toolkit\'s binaries from a directory, atomically'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "installer" -d 'Install onto a Kubernetes node from a DaemonSet pod, and take it out'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "configure" -d 'Add the shim as a runtime of an engine, or of every engine installed'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "remove" -d 'Take out what configure added and restore the previous default runtime'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "unconfigure" -d 'Take out what configure added and restore the previous default runtime'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "status" -d 'Report, for each engine, whether it is installed, which file would be edited, whether the shim is wired in and the default; and whether the shim finds a runtime and the hook sources are valid'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "doctor" -d 'Report, for each engine, whether it is installed, which file would be edited, whether the shim is wired in and the default; and whether the shim finds a runtime and the hook sources are valid'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and not __fish_seen_subcommand_from configure remove unconfigure status doctor help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l runtime -d 'The engine to edit' -r -f -a "docker\t'dockerd: /etc/docker/daemon.json'
containerd\t'containerd: /etc/containerd/config.toml'
crio\t'CRI-O: a drop-in in /etc/crio/crio.conf.d'
podman\t'Podman: /etc/containers/containers.conf'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l config -d 'The engine\'s config file (default: the engine\'s usual file). Its directory must exist: configure may create the file, not the directory' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l drop-in -l drop-in-config -d 'A drop-in file the engine imports (containerd; CRI-O default /etc/crio/crio.conf.d/99-container-hooks.conf)' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l name -l runtime-name -d 'The runtime name in the engine\'s config [default: container-hooks]' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l restart-mode -d 'How the engine learns of the change [default: none; with --detected or --all, restart-mode of config.toml, and dockerd is sent SIGHUP when it runs]' -r -f -a "none\t'Print the command to run'
signal\t'Send SIGHUP to dockerd (through --pid-file); print the restart command for containerd and CRI-O, which SIGHUP does not apply a new runtime to'
systemd\t'systemctl reload docker, or restart containerd / crio'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l pid-file -d 'dockerd\'s pid file, for --restart-mode signal' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l state-dir -d 'Where configure records what it did [default: $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks]' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l root -d 'The root of the system whose engines are edited: engine files and programs, config.toml, the state directory and the pid file are found below it, while what is written into the files names paths as that system sees them; systemctl runs chrooted there' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l path -l runtime-path -d 'The shim\'s path, as the engine will run it. A path where no program is yet is a warning: the engine would fail every container it starts through the shim until it is installed there' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l set-as-default -d 'Make the shim the engine\'s default runtime (`--set-as-default=false`: do not)' -r -f -a "true\t''
false\t''"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l pod-annotations -d 'containerd: pod annotations its CRI passes into the config.json of the pod\'s containers run by the shim, by key pattern (Go path.Match globs: io.example.*), comma-separated or repeated. Without it, what the runtime entry lists stays; \'\' takes the list out' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l container-annotations -d 'containerd: container annotations passed the same way' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l detected -d 'Every engine installed (its program in the system PATH) and never wired, one after the other; an engine that cannot be edited is a warning (what the packages run on install)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l dry-run -d 'Print a unified diff of what would change; change nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l force -d 'Replace a runtime of the same name that is not the shim'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from configure" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l runtime -d 'The engine to edit' -r -f -a "docker\t'dockerd: /etc/docker/daemon.json'
containerd\t'containerd: /etc/containerd/config.toml'
crio\t'CRI-O: a drop-in in /etc/crio/crio.conf.d'
podman\t'Podman: /etc/containers/containers.conf'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l config -d 'The engine\'s config file (default: the engine\'s usual file). Its directory must exist: configure may create the file, not the directory' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l drop-in -l drop-in-config -d 'A drop-in file the engine imports (containerd; CRI-O default /etc/crio/crio.conf.d/99-container-hooks.conf)' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l name -l runtime-name -d 'The runtime name in the engine\'s config [default: container-hooks]' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l restart-mode -d 'How the engine learns of the change [default: none; with --detected or --all, restart-mode of config.toml, and dockerd is sent SIGHUP when it runs]' -r -f -a "none\t'Print the command to run'
signal\t'Send SIGHUP to dockerd (through --pid-file); print the restart command for containerd and CRI-O, which SIGHUP does not apply a new runtime to'
systemd\t'systemctl reload docker, or restart containerd / crio'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l pid-file -d 'dockerd\'s pid file, for --restart-mode signal' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l state-dir -d 'Where configure records what it did [default: $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks]' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l root -d 'The root of the system whose engines are edited: engine files and programs, config.toml, the state directory and the pid file are found below it, while what is written into the files names paths as that system sees them; systemctl runs chrooted there' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l all -d 'Every engine configure recorded and every engine installed, one after the other; an engine that cannot be edited is a warning (what the packages run on removal)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l dry-run -d 'Print a unified diff of what would change; change nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l runtime -d 'The engine to edit' -r -f -a "docker\t'dockerd: /etc/docker/daemon.json'
containerd\t'containerd: /etc/containerd/config.toml'
crio\t'CRI-O: a drop-in in /etc/crio/crio.conf.d'
podman\t'Podman: /etc/containers/containers.conf'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l config -d 'The engine\'s config file (default: the engine\'s usual file). Its directory must exist: configure may create the file, not the directory' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l drop-in -l drop-in-config -d 'A drop-in file the engine imports (containerd; CRI-O default /etc/crio/crio.conf.d/99-container-hooks.conf)' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l name -l runtime-name -d 'The runtime name in the engine\'s config [default: container-hooks]' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l restart-mode -d 'How the engine learns of the change [default: none; with --detected or --all, restart-mode of config.toml, and dockerd is sent SIGHUP when it runs]' -r -f -a "none\t'Print the command to run'
signal\t'Send SIGHUP to dockerd (through --pid-file); print the restart command for containerd and CRI-O, which SIGHUP does not apply a new runtime to'
systemd\t'systemctl reload docker, or restart containerd / crio'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l pid-file -d 'dockerd\'s pid file, for --restart-mode signal' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l state-dir -d 'Where configure records what it did [default: $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks]' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l root -d 'The root of the system whose engines are edited: engine files and programs, config.toml, the state directory and the pid file are found below it, while what is written into the files names paths as that system sees them; systemctl runs chrooted there' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l all -d 'Every engine configure recorded and every engine installed, one after the other; an engine that cannot be edited is a warning (what the packages run on removal)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l dry-run -d 'Print a unified diff of what would change; change nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from unconfigure" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -l output -r -f -a "text\t'Lines for a person to read'
json\t'One JSON document'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -l state-dir -d 'Where configure recorded what it did' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -l root -d 'The root of the system to report on: engine files and programs, config.toml, the hook sources, the real runtime and the state directory are found below it' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -l output -r -f -a "text\t'Lines for a person to read'
json\t'One JSON document'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -l state-dir -d 'Where configure recorded what it did' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -l root -d 'The root of the system to report on: engine files and programs, config.toml, the hook sources, the real runtime and the state directory are found below it' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from help" -f -a "configure" -d 'Add the shim as a runtime of an engine, or of every engine installed'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Take out what configure added and restore the previous default runtime'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from help" -f -a "status" -d 'Report, for each engine, whether it is installed, which file would be edited, whether the shim is wired in and the default; and whether the shim finds a runtime and the hook sources are valid'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand runtime; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -l config -d 'The config file to start from [default: $CONTAINER_HOOKS_CONFIG or /etc/container-hooks/config.toml; a missing file starts from the defaults]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -l set -d 'Set a key: TABLE.KEY=VALUE (arrays as comma-separated values)' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -s o -l output -d 'Write the result to FILE' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -l in-place -d 'Write the result back to the config file'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -f -a "default" -d 'Print the default config.toml, with comments'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and not __fish_seen_subcommand_from default help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and __fish_seen_subcommand_from default" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and __fish_seen_subcommand_from default" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and __fish_seen_subcommand_from default" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "default" -d 'Print the default config.toml, with comments'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -f -a "list" -d 'Every hook source in effect, in the order hooks are applied: the hooks.json file, then each hooks.d file with its stages and conditions; masked, skipped, refused and ignored files too'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -f -a "validate" -d 'Check hook sources for errors (every fault of every file, one line each: file, field and fault; exit status 1) and for traps (warnings; exit status 0)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -f -a "preview" -d 'Show which hooks the shim would add to a bundle\'s config.json, at which stage and why (each condition with its result), and the change as a unified diff. Writes nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and not __fish_seen_subcommand_from list validate preview help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from list" -l config -d 'The config.toml to read [default: $CONTAINER_HOOKS_CONFIG, else /etc/container-hooks/config.toml]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from list" -l output -d 'Output format' -r -f -a "text\t'Lines for a person to read'
json\t'One JSON document'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from list" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from validate" -l config -d 'The config.toml to read [default: $CONTAINER_HOOKS_CONFIG, else /etc/container-hooks/config.toml]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from validate" -l output -d 'Output format' -r -f -a "text\t'Lines for a person to read'
json\t'One JSON document'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from validate" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -l config -d 'The config.toml to read [default: $CONTAINER_HOOKS_CONFIG, else /etc/container-hooks/config.toml]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -l output -d 'Output format' -r -f -a "text\t'Lines for a person to read'
json\t'One JSON document'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -s b -l bundle -d 'The bundle directory (holding config.json)' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from preview" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every hook source in effect, in the order hooks are applied: the hooks.json file, then each hooks.d file with its stages and conditions; masked, skipped, refused and ignored files too'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check hook sources for errors (every fault of every file, one line each: file, field and fault; exit status 1) and for traps (warnings; exit status 0)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "preview" -d 'Show which hooks the shim would add to a bundle\'s config.json, at which stage and why (each condition with its result), and the change as a unified diff. Writes nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -l toolkit-root -d 'The directory holding container-hooks-runtime, container-hooks-ctk and container-hooks' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -l dest -d 'Where to install them' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -l state-dir -d 'The state directory, whose lock keeps the binaries from changing while an engine is being wired [default: $CONTAINER_HOOKS_STATE_DIR or /var/lib/container-hooks]' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand install" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -s h -l help -d 'Print help'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -f -a "run" -d 'Install the toolkit onto the host mounted at --host-root, wire the node\'s containerd or CRI-O, keep the hook files in sync with --config-dir, and take it all out again on SIGTERM or SIGINT'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -f -a "remove" -d 'Take out what `installer run` put on the host (after a pod was killed without its cleanup)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and not __fish_seen_subcommand_from run remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l host-root -d 'Where the host\'s root filesystem is mounted' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l toolkit-dir -d 'The host directory the binaries are installed in' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l runtime -d 'The engine to wire [default: detected from the host\'s files]' -r -f -a "containerd\t'containerd: /etc/containerd/config.toml'
crio\t'CRI-O: a drop-in in /etc/crio/crio.conf.d'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l config -d 'The engine\'s main config file on the host [default: /etc/containerd/config.toml or /etc/crio/crio.conf]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l drop-in -d 'The drop-in on the host [default: /etc/containerd/conf.d/99-container-hooks.toml or /etc/crio/crio.conf.d/99-container-hooks.conf]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l name -d 'The runtime name (the RuntimeClass handler)' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l restart-mode -d 'How the engine learns of its changed config: a restart, as neither containerd nor CRI-O takes a new runtime on a signal' -r -f -a "none\t'Print the restart command; restart the engine yourself'
systemd\t'systemctl restart containerd or crio, run chrooted in the host\'s root (needs hostPID)'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l state-dir -d 'The host directory of the toolkit\'s state' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l source-dir -d 'The directory holding the three binaries [default: the directory of this program]' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l config-dir -d 'The mounted ConfigMap: config.toml, hooks.json, and oci-hooks(5) files (every other *.json, or files in a hooks.d subdirectory)' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l pod-annotations -d 'containerd: pod annotations its CRI passes into the config.json of the pod\'s containers run by the shim, by key pattern (Go path.Match globs: io.example.*), comma-separated or repeated. Without it, what the runtime entry lists stays; \'\' takes the list out' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l container-annotations -d 'containerd: container annotations passed the same way' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l poll-interval -d 'How often to look for changed hook files (10s, 500ms, 2m)' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l set-as-default -d 'Make the shim the engine\'s default runtime (without it, pods opt in with runtimeClassName)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l once -d 'Install and wire, then exit (no waiting, no cleanup)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l host-root -d 'Where the host\'s root filesystem is mounted' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l toolkit-dir -d 'The host directory the binaries are installed in' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l runtime -d 'The engine to wire [default: detected from the host\'s files]' -r -f -a "containerd\t'containerd: /etc/containerd/config.toml'
crio\t'CRI-O: a drop-in in /etc/crio/crio.conf.d'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l config -d 'The engine\'s main config file on the host [default: /etc/containerd/config.toml or /etc/crio/crio.conf]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l drop-in -d 'The drop-in on the host [default: /etc/containerd/conf.d/99-container-hooks.toml or /etc/crio/crio.conf.d/99-container-hooks.conf]' -r -F
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l name -d 'The runtime name (the RuntimeClass handler)' -r
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l restart-mode -d 'How the engine learns of its changed config: a restart, as neither containerd nor CRI-O takes a new runtime on a signal' -r -f -a "none\t'Print the restart command; restart the engine yourself'
systemd\t'systemctl restart containerd or crio, run chrooted in the host\'s root (needs hostPID)'"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l state-dir -d 'The host directory of the toolkit\'s state' -r -f -a "(__fish_complete_directories)"
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from help" -f -a "run" -d 'Install the toolkit onto the host mounted at --host-root, wire the node\'s containerd or CRI-O, keep the hook files in sync with --config-dir, and take it all out again on SIGTERM or SIGINT'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Take out what `installer run` put on the host (after a pod was killed without its cleanup)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand installer; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "runtime" -d 'Wire the shim into a container engine, take it out, or report'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "config" -d 'Print the config.toml in effect, or set keys in it; print the defaults'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "hooks" -d 'Inspect hook sources: list them, validate them, preview a bundle'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "install" -d 'Install the toolkit\'s binaries from a directory, atomically'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "installer" -d 'Install onto a Kubernetes node from a DaemonSet pod, and take it out'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and not __fish_seen_subcommand_from runtime config hooks install installer help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from runtime" -f -a "configure" -d 'Add the shim as a runtime of an engine, or of every engine installed'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from runtime" -f -a "remove" -d 'Take out what configure added and restore the previous default runtime'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from runtime" -f -a "status" -d 'Report, for each engine, whether it is installed, which file would be edited, whether the shim is wired in and the default; and whether the shim finds a runtime and the hook sources are valid'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "default" -d 'Print the default config.toml, with comments'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "list" -d 'Every hook source in effect, in the order hooks are applied: the hooks.json file, then each hooks.d file with its stages and conditions; masked, skipped, refused and ignored files too'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "validate" -d 'Check hook sources for errors (every fault of every file, one line each: file, field and fault; exit status 1) and for traps (warnings; exit status 0)'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "preview" -d 'Show which hooks the shim would add to a bundle\'s config.json, at which stage and why (each condition with its result), and the change as a unified diff. Writes nothing'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from installer" -f -a "run" -d 'Install the toolkit onto the host mounted at --host-root, wire the node\'s containerd or CRI-O, keep the hook files in sync with --config-dir, and take it all out again on SIGTERM or SIGINT'
complete -c container-hooks-ctk -n "__fish_container_hooks_ctk_using_subcommand help; and __fish_seen_subcommand_from installer" -f -a "remove" -d 'Take out what `installer run` put on the host (after a pod was killed without its cleanup)'
