//! Printing an error with its causes, each once: the crate's errors follow one rule, and
//! [`report`] is what prints by it.
//!
//! The rule: an error's `Display` says what failed and what to do. When it wraps another error
//! of this crate, it quotes it (`configuration: missing field ...`) and passes that error's own
//! `source()` on as its source; when it wraps a foreign error (an I/O error, a timer), it names
//! it without quoting and that error is its `source()`. So `{error}` alone is a whole sentence,
//! and `report(&error)` adds the system's reasons, none of them twice.

use std::error::Error;
use std::fmt;

/// An error and its chain of sources, shown as `error: cause: cause`. Made by [`report`].
pub struct Report<'a>(&'a (dyn Error + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `error` with each of its causes, for logs and for a program's last words.
///
/// # Examples
///
/// ```
/// let error = moobius::config::Config::loader().file("/no/such/config.json").load().unwrap_err();
/// let shown = moobius::report(&error).to_string();
/// assert!(shown.starts_with("cannot read config file /no/such/config.json; check the path: "));
/// assert_eq!(shown.matches("No such file").count(), 1);
/// ```
pub fn report<'a>(error: &'a (dyn Error + 'static)) -> Report<'a> {
    Report(error)
}

#[cfg(test)]
mod tests {
    use super::report;
    use crate::config::Config;
    use crate::service::ServiceError;

    #[test]
    fn a_wrapped_error_and_the_system_reason_are_each_printed_once() {
        let config = Config::loader().file("/no/such/dir/config.json").load().unwrap_err();
        let service = ServiceError::from(config);
        let shown = report(&service).to_string();
        assert!(
            shown.starts_with("configuration: cannot read config file /no/such/dir/config.json"),
            "{shown}"
        );
        assert_eq!(shown.matches("cannot read config file").count(), 1, "{shown}");
        assert_eq!(shown.matches("No such file or directory").count(), 1, "{shown}");
    }

    #[test]
    fn an_error_without_a_source_is_its_display() {
        let error = crate::protocol::Incoming::decode("[1]").unwrap_err();
        assert_eq!(report(&error).to_string(), error.to_string());
    }
}
