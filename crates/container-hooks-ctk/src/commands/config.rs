//! `config` (the config in effect: the file as it is, or the defaults when
//! it is missing, checked as the shim reads it), `config default`, and
//! `config --set KEY=VALUE ... [--in-place | -o FILE]`.

use super::Out;
use crate::cli::{ConfigArgs, ConfigCommand};
use anyhow::Context;
use container_hooks_admin::engines::read_optional;
use container_hooks_core::config::{config_path, Config, DEFAULT_TOML};
use std::io::Write;

pub fn run(args: &ConfigArgs, out: Out) -> anyhow::Result<()> {
    if let Some(ConfigCommand::Default) = args.command {
        std::io::stdout().write_all(DEFAULT_TOML.as_bytes())?;
        return Ok(());
    }
    let path = args.config.clone().unwrap_or_else(config_path);
    if args.set.is_empty() {
        // Shown as in effect: a file the shim would refuse is an error.
        Config::load_from(&path)?;
    }
    let text = match read_optional(&path)? {
        Some(t) => t,
        None => {
            out.debug(format!(
                "{} is missing; starting from the defaults",
                path.display()
            ));
            DEFAULT_TOML.to_string()
        }
    };
    let result = container_hooks_admin::config_edit::set(&text, &path, &args.set)?;
    let target = if args.in_place {
        Some(path.clone())
    } else {
        args.output.clone()
    };
    match target {
        Some(file) => {
            if read_optional(&file)?.as_deref() == Some(result.as_str()) {
                out.info(format!(
                    "{}: already holds these values, nothing to change",
                    file.display()
                ));
                return Ok(());
            }
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            }
            container_hooks_core::atomic::replace_file(&file, result.as_bytes(), 0o644, true)
                .map_err(|e| container_hooks_core::error::FileError::io(&file, &e))?;
            out.info(format!("wrote {}", file.display()));
        }
        None => std::io::stdout().write_all(result.as_bytes())?,
    }
    Ok(())
}
