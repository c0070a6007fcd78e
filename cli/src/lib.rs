//! The `paywire` command's building blocks, public so the end-to-end tests drive the
//! same code the command runs.

#![forbid(unsafe_code)]

pub mod commands;
pub mod demo;
pub mod merchant;
pub mod progress;
pub mod qr;
pub mod soak;
pub mod sockets;
