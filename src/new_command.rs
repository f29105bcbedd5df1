//! `moobius new DIR`: writes a ready-to-run service crate (the reference SDK's
//! `python -m moobius` does the same for Python): `Cargo.toml`, `src/main.rs` with an actor
//! service, `config/config.json` in the SDK's shape, a README and a `.gitignore`. `cargo run`
//! in it works against the embedded local platform at once.

use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `moobius new`'s options.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The directory to create (its last part names the crate)
    dir: PathBuf,
    /// Depend on the moobius crate at this path instead of the released version
    #[arg(long, value_name = "PATH")]
    moobius_path: Option<PathBuf>,
}

/// The files of a new project: path, template.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/new/Cargo.toml.tmpl")),
    ("src/main.rs", include_str!("../templates/new/main.rs.tmpl")),
    ("config/config.json", include_str!("../templates/new/config.json.tmpl")),
    ("README.md", include_str!("../templates/new/README.md.tmpl")),
    (".gitignore", include_str!("../templates/new/gitignore.tmpl")),
];

/// The crate name a directory gives: its last part, lowercase, with `-` for anything that is not
/// a letter, a digit or `_`; `None` if nothing usable is left.
fn crate_name(dir: &Path) -> Option<String> {
    let last = dir.file_name()?.to_string_lossy().to_lowercase();
    let name: String =
        last.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    let name = name.trim_matches('-').to_owned();
    (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(name)
}

/// The `moobius = ...` dependency line.
fn dependency(path: Option<&Path>) -> Result<String, String> {
    match path {
        None => Ok(format!("moobius = \"{}\"", env!("CARGO_PKG_VERSION"))),
        Some(path) => {
            let path = path.canonicalize().map_err(|e| format!("--moobius-path {}: {e}", path.display()))?;
            if !path.join("Cargo.toml").is_file() {
                return Err(format!("--moobius-path {}: no Cargo.toml there", path.display()));
            }
            let shown = path.display().to_string().replace('\\', "/");
            Ok(format!("moobius = {{ path = \"{shown}\" }}"))
        }
    }
}

/// Writes the project; the error says what went wrong.
fn write(args: &NewArgs) -> Result<String, String> {
    let name = crate_name(&args.dir).ok_or_else(|| {
        format!(
            "`{}` gives no crate name: use a directory name that starts with a letter",
            args.dir.display()
        )
    })?;
    if args.dir.exists() && std::fs::read_dir(&args.dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("{} exists and is not empty: pick a new directory", args.dir.display()));
    }
    let moobius = dependency(args.moobius_path.as_deref())?;
    for (path, template) in FILES {
        let target = args.dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let text = template.replace("{{name}}", &name).replace("{{moobius}}", &moobius);
        std::fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(name)
}

/// Runs `moobius new`.
pub(crate) fn run(args: NewArgs) -> ExitCode {
    match write(&args) {
        Ok(name) => {
            println!("created {name} in {}", args.dir.display());
            println!("next: cd {} && cargo run", args.dir.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("moobius new: {message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_directory() {
        assert_eq!(crate_name(Path::new("/tmp/My Bot")).as_deref(), Some("my-bot"));
        assert_eq!(crate_name(Path::new("echo_bot")).as_deref(), Some("echo_bot"));
        assert_eq!(crate_name(Path::new("/tmp/42")), None);
        assert_eq!(crate_name(Path::new("/")), None);
    }

    #[test]
    fn the_dependency_is_the_release_or_a_checked_path() {
        assert_eq!(dependency(None).unwrap(), format!("moobius = \"{}\"", env!("CARGO_PKG_VERSION")));
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(dependency(Some(here)).unwrap().starts_with("moobius = { path = \""));
        assert!(dependency(Some(&here.join("src"))).unwrap_err().contains("no Cargo.toml"));
    }
}
