//! Text helpers shared by the report writers.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use crate::state::StepRecord;

/// Formats a duration compactly: `850ms`, `12s`, `2m05s`, `1h02m03s`.
pub(crate) fn duration(delta: TimeDelta) -> String {
    let millis = delta.num_milliseconds();
    if millis < 0 {
        return "-".into();
    }
    if millis < 1000 {
        return format!("{millis}ms");
    }
    let secs = delta.num_seconds();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// Returns the time from the step's start to its end, when both are known.
pub(crate) fn step_duration(record: &StepRecord) -> Option<TimeDelta> {
    Some(record.times.finished_at? - record.times.started_at?)
}

/// Formats a timestamp as RFC 3339 in UTC, to the second.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Returns a JSON value as a table cell: strings without quotes, `null` as empty.
pub(crate) fn value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Returns the step's server job id, or `-`.
pub(crate) fn job(record: &StepRecord) -> String {
    record
        .job()
        .map_or_else(|| "-".into(), |job| job.id.to_string())
}

/// Returns `passed/total passed` for the step's checks, or `-` when it has none.
pub(crate) fn checks(record: &StepRecord) -> String {
    if record.checks.is_empty() {
        return "-".into();
    }
    let passed = record.checks.iter().filter(|c| c.passed).count();
    format!("{passed}/{} passed", record.checks.len())
}

/// Escapes text for XML and HTML content and attribute values. Characters that XML 1.0 cannot
/// carry at all (control characters other than tab, newline and carriage return) become U+FFFD.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_picks_units() {
        assert_eq!(duration(TimeDelta::milliseconds(850)), "850ms");
        assert_eq!(duration(TimeDelta::seconds(12)), "12s");
        assert_eq!(duration(TimeDelta::seconds(125)), "2m05s");
        assert_eq!(duration(TimeDelta::seconds(3723)), "1h02m03s");
        assert_eq!(duration(TimeDelta::seconds(-1)), "-");
    }

    #[test]
    fn escape_handles_markup_and_controls() {
        assert_eq!(
            escape_xml("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape_xml("a\u{1b}[31mb\n"), "a\u{FFFD}[31mb\n");
    }
}
