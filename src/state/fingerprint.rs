//! Step fingerprints, the submission tags derived from them, and server URLs without secrets.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Computes the fingerprint of a step: SHA-256, in lower-case hex, of the step kind, the server
/// URL and the fully rendered request in canonical JSON.
///
/// Canonical JSON sorts object keys, so key order never changes the fingerprint. The caller
/// leaves out of `request` what must not change it either: poll settings and timeouts. User
/// info and a trailing `/` in `server_url` are ignored.
pub fn fingerprint(kind: &str, request: &Value, server_url: &str) -> String {
    let mut canonical = String::new();
    write_canonical(request, &mut canonical);

    let mut hasher = Sha256::new();
    // Each part is length-prefixed so that no two different triples hash the same bytes.
    for part in [
        kind,
        redact_url(server_url).trim_end_matches('/'),
        canonical.as_str(),
    ] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Derives the tag that marks the server job submitted for a step: `slflow-` followed by the
/// first 16 hex digits of the fingerprint.
///
/// The tag goes into the job's name or tags before the job-creating request is sent. When a
/// resumed run finds a step still `Submitting`, it searches the server's jobs for this tag
/// before submitting, so a job whose creation response was lost is found instead of created
/// twice. Sixteen hex digits (64 bits) keep accidental matches between steps negligible.
pub fn submission_tag(fingerprint: &str) -> String {
    let prefix: String = fingerprint.chars().take(16).collect();
    format!("slflow-{prefix}")
}

/// Returns `url` without user info (`user:password@`), so it can be saved, logged or shown.
/// A value that is not a URL is returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    match authority.rfind('@') {
        Some(at) => format!("{}{}", &url[..authority_start], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_fingerprint() {
        let a = json!({"name": "SAT", "entry_points": {"a": 1, "b": [1, 2]}});
        let b = json!({"entry_points": {"b": [1, 2], "a": 1}, "name": "SAT"});
        assert_eq!(
            fingerprint("analysis", &a, "http://h:9091"),
            fingerprint("analysis", &b, "http://h:9091")
        );
    }

    #[test]
    fn kind_request_and_server_change_fingerprint() {
        let request = json!({"path": "/data/x.xml"});
        let base = fingerprint("import-dataset", &request, "http://h:9091");
        assert_ne!(base, fingerprint("analysis", &request, "http://h:9091"));
        assert_ne!(
            base,
            fingerprint(
                "import-dataset",
                &json!({"path": "/data/y.xml"}),
                "http://h:9091"
            )
        );
        assert_ne!(
            base,
            fingerprint("import-dataset", &request, "http://other:9091")
        );
    }

    #[test]
    fn user_info_and_trailing_slash_are_ignored() {
        let request = json!({});
        assert_eq!(
            fingerprint("analysis", &request, "https://admin:secret@h:8243/"),
            fingerprint("analysis", &request, "https://h:8243")
        );
    }

    #[test]
    fn array_order_changes_fingerprint() {
        let a = fingerprint("merge-datasets", &json!({"ids": [1, 2]}), "http://h");
        let b = fingerprint("merge-datasets", &json!({"ids": [2, 1]}), "http://h");
        assert_ne!(a, b);
    }

    #[test]
    fn tag_uses_first_sixteen_hex_digits() {
        let fp = fingerprint("analysis", &json!({}), "http://h");
        let tag = submission_tag(&fp);
        assert_eq!(tag.len(), "slflow-".len() + 16);
        assert_eq!(tag, format!("slflow-{}", &fp[..16]));
    }

    #[test]
    fn redact_url_drops_user_info() {
        assert_eq!(
            redact_url("https://user:pw@host:8243/SMRTLink"),
            "https://host:8243/SMRTLink"
        );
        assert_eq!(redact_url("https://user@host"), "https://host");
        assert_eq!(
            redact_url("http://localhost:9091/a@b"),
            "http://localhost:9091/a@b"
        );
        assert_eq!(redact_url("http://localhost:9091"), "http://localhost:9091");
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
