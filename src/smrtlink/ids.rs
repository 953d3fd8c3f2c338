//! Identifiers that may be an integer id or a UUID.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An integer id or a UUID, as most resources accept either.
///
/// In JSON an id is a number and a UUID is a string: the server parses any string as a UUID, so a
/// numeric string such as `"5"` would be rejected. In a URL path both are plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IdOrUuid {
    Id(i64),
    Uuid(Uuid),
}

impl From<i64> for IdOrUuid {
    fn from(id: i64) -> Self {
        IdOrUuid::Id(id)
    }
}

impl From<Uuid> for IdOrUuid {
    fn from(uuid: Uuid) -> Self {
        IdOrUuid::Uuid(uuid)
    }
}

impl From<&IdOrUuid> for IdOrUuid {
    fn from(id: &IdOrUuid) -> Self {
        *id
    }
}

impl fmt::Display for IdOrUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdOrUuid::Id(id) => write!(f, "{id}"),
            IdOrUuid::Uuid(uuid) => write!(f, "{uuid}"),
        }
    }
}

/// Error returned when text is neither an integer id nor a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid id `{0}`: expected an integer id or a UUID such as 5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab"
)]
pub struct InvalidId(pub String);

impl FromStr for IdOrUuid {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(id) = text.parse::<i64>() {
            return Ok(IdOrUuid::Id(id));
        }
        Uuid::parse_str(text)
            .map(IdOrUuid::Uuid)
            .map_err(|_| InvalidId(text.to_string()))
    }
}

impl<'de> Deserialize<'de> for IdOrUuid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Id(i64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Id(id) => Ok(IdOrUuid::Id(id)),
            // Lenient on input: a numeric string is read as an id.
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_serialises_as_number_and_uuid_as_string() {
        let uuid = Uuid::parse_str("c9074f64-37e0-d795-9b8e-7190ac6f87a5").expect("valid uuid");
        let json =
            serde_json::to_string(&vec![IdOrUuid::Id(5), IdOrUuid::Uuid(uuid)]).expect("serialise");
        assert_eq!(json, r#"[5,"c9074f64-37e0-d795-9b8e-7190ac6f87a5"]"#);
    }

    #[test]
    fn deserialise_accepts_number_uuid_and_numeric_string() {
        let ids: Vec<IdOrUuid> =
            serde_json::from_str(r#"[7, "c9074f64-37e0-d795-9b8e-7190ac6f87a5", "12"]"#)
                .expect("parse");
        assert_eq!(ids[0], IdOrUuid::Id(7));
        assert!(matches!(ids[1], IdOrUuid::Uuid(_)));
        assert_eq!(ids[2], IdOrUuid::Id(12));
    }

    #[test]
    fn parse_rejects_garbage_with_value_in_message() {
        let err = "abc".parse::<IdOrUuid>().expect_err("not an id");
        assert!(err.to_string().contains("`abc`"), "{err}");
        assert!(serde_json::from_str::<IdOrUuid>("\"abc\"").is_err());
    }

    #[test]
    fn display_is_path_segment() {
        assert_eq!(IdOrUuid::Id(42).to_string(), "42");
        let uuid = Uuid::parse_str("c9074f64-37e0-d795-9b8e-7190ac6f87a5").expect("valid uuid");
        assert_eq!(
            IdOrUuid::from(uuid).to_string(),
            "c9074f64-37e0-d795-9b8e-7190ac6f87a5"
        );
    }
}
