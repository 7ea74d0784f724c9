//! The rules of container-hooks-toolkit.
//!
//! Data flow of the shim, top to bottom: [`runc_args`] reads the runc
//! command line; [`config`] loads config.toml; [`sources`] gathers hooks
//! from [`hooks_json`] and [`hooks_dir`] (reading every file through
//! [`trust`], decoding hook files as Go does with [`godecode`]), keeping
//! those whose [`when`] conditions hold (regexes read as Go reads them by
//! [`goregex`]); [`inject`] adds them to config.json, read as runc's Go
//! decoder reads it ([`gojson`], [`gospec`], [`gokeys`]), which [`atomic`]
//! writes back; [`runtime_path`] finds the real runtime. [`shim`] ties
//! these together; [`runc_log`] and [`logging`] report. A source's checks
//! report to [`findings`] (the shim keeps the first fault, `ctk hooks
//! validate` every fault and warning), and [`suggest`] names the nearest
//! known name for a misspelled one. The engine editors live apart, in
//! `container-hooks-admin`, so the shim links only what it runs.

pub mod atomic;
pub mod config;
pub mod error;
pub mod findings;
pub mod godecode;
pub mod gojson;
pub mod gokeys;
pub mod goregex;
pub mod gospec;
pub mod hook;
pub mod hooks_dir;
pub mod hooks_json;
pub mod inject;
pub mod logging;
pub mod runc_args;
pub mod runc_log;
pub mod runtime_path;
pub mod shim;
pub mod sources;
pub mod suggest;
pub mod trust;
pub mod when;
