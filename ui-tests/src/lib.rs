//! The derives' compile errors live in `ui/` and run from `tests/ui.rs` (trybuild). This
//! crate has no code of its own: it exists so that trybuild, which builds every
//! dependency of the crate it runs in, builds paywire alone for them.
#![forbid(unsafe_code)]
