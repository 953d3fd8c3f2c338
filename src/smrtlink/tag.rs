//! Tags that let the client find a job it may already have created.

use std::fmt;

/// A marker carried in a job's comma-separated `tags`, unique to one intended job (slflow
/// derives it from the step's fingerprint).
///
/// Before re-sending a job POST whose outcome is unknown, the client searches for a job with
/// this tag and returns it instead of creating a second one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobTag(String);

/// Error returned for a tag the server could not store or search reliably.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid job tag `{0}`: use 8 to 100 characters from A-Z, a-z, 0-9, `-`, `_` and `.` \
     (no commas, which separate tags)"
)]
pub struct InvalidJobTag(pub String);

impl JobTag {
    /// Validates a tag: 8 to 100 characters of `[A-Za-z0-9_.-]`, long enough to be unique and
    /// free of the comma that separates tags and of characters a `like:` search treats
    /// specially.
    pub fn new(tag: impl Into<String>) -> Result<Self, InvalidJobTag> {
        let tag = tag.into();
        let valid_chars = tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid_chars && (8..=100).contains(&tag.len()) {
            Ok(JobTag(tag))
        } else {
            Err(InvalidJobTag(tag))
        }
    }

    /// Returns the tag text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns `tags` (a comma-separated list) with this tag added unless it is already there.
    pub(crate) fn add_to(&self, tags: Option<&str>) -> String {
        let existing: Vec<&str> = tags
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .collect();
        if existing.contains(&self.as_str()) {
            return existing.join(",");
        }
        let mut all = existing;
        all.push(self.as_str());
        all.join(",")
    }
}

impl fmt::Display for JobTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_validation() {
        assert!(JobTag::new("slflow-0123abcd").is_ok());
        assert!(JobTag::new("short").is_err());
        assert!(JobTag::new("has,comma-inside").is_err());
        assert!(JobTag::new("has space inside").is_err());
        assert!(JobTag::new("percent%-wildcard").is_err());
        let err = JobTag::new("a,b").expect_err("invalid");
        assert!(err.to_string().contains("`a,b`"));
    }

    #[test]
    fn add_to_appends_once() {
        let tag = JobTag::new("slflow-0123abcd").expect("valid");
        assert_eq!(tag.add_to(None), "slflow-0123abcd");
        assert_eq!(tag.add_to(Some("")), "slflow-0123abcd");
        assert_eq!(
            tag.add_to(Some("sat, nightly")),
            "sat,nightly,slflow-0123abcd"
        );
        assert_eq!(
            tag.add_to(Some("slflow-0123abcd,sat")),
            "slflow-0123abcd,sat"
        );
    }
}
