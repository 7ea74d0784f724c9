//! The command line of container-hooks-ctk, as a library so that xtask can
//! generate man pages and completions from the same definition.

pub mod cli;
pub mod commands;
pub mod docs;
pub mod report;
