//! The subcommands of container-hooks-ctk, one module each.

pub mod hooks;
