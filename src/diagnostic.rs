//! Input errors: what could not be read or parsed (exit code 2), with a location.

use crate::model::Origin;

/// An input that cannot be read, parsed or validated. Never carries secret material:
/// messages name fields and positions, not the values of private fields.
#[derive(Debug, Clone)]
pub struct InputError {
    /// Short machine-readable kind, e.g. `yaml`, `inventory`, `config`, `io`.
    pub code: &'static str,
    pub message: String,
    /// Where; `None` when the file itself could not be read (then `path` says which).
    pub origin: Option<Origin>,
    /// The path when there is no origin (an unreadable file).
    pub path: Option<String>,
    /// Label on the span.
    pub label: Option<String>,
    pub help: Option<String>,
}

impl InputError {
    pub fn at(code: &'static str, origin: Origin, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            origin: Some(origin),
            path: None,
            label: None,
            help: None,
        }
    }

    pub fn file(code: &'static str, path: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            origin: None,
            path: Some(path.to_owned()),
            label: None,
            help: None,
        }
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
