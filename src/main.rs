//! The `seedkit` binary: everything lives in the library; this only hands the
//! process over to [`seedkit::cli::main`] and turns its result into an exit code.

fn main() -> std::process::ExitCode {
    seedkit::cli::main()
}
