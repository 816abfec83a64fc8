//! Entry point: parse the command line, run the command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = apportion::cli::Cli::parse();
    match apportion::cmd::run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", apportion::safe_text::for_terminal_lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// `apportion report | head` closes the pipe early; that is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(cause_is_broken_pipe)
}

/// An I/O error of kind BrokenPipe, also when another error wraps it.
fn cause_is_broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    match cause.downcast_ref::<std::io::Error>() {
        Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => true,
        Some(io) => io.get_ref().is_some_and(|inner| cause_is_broken_pipe(inner)),
        None => false,
    }
}
