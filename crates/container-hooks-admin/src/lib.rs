//! The admin side of container-hooks-toolkit, which the shim never links:
//! the engine config editors ([`engines`]), the one [`lock`] every command
//! that edits them takes, and the editor of the toolkit's own config.toml
//! ([`config_edit`]).

pub mod config_edit;
pub mod engines;
pub mod lock;
