//! The `moobius` command: tools around the crate (the local platform arrives as a subcommand).

use std::process::ExitCode;

const USAGE: &str = "\
moobius: Moobius services as actix actors

Usage: moobius [OPTIONS] [COMMAND]

Commands:
  help          Print this help

Options:
  -h, --help     Print this help
  -V, --version  Print the version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("moobius {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("moobius: unknown command or option `{other}`; run `moobius --help` for the list");
            ExitCode::from(2)
        }
    }
}
