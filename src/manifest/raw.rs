//! The manifest as written: a TOML tree whose every key and value keeps its byte span.

use std::borrow::Cow;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ManifestError, SourceFile, Span};

/// A TOML value with the span of its source text.
#[derive(Debug, Clone)]
pub struct RawValue {
    pub span: Span,
    pub kind: RawKind,
}

/// The TOML value types; datetimes are kept as their source text.
#[derive(Debug, Clone)]
pub enum RawKind {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(String),
    Array(Vec<RawValue>),
    Table(RawTable),
}

/// A TOML table whose entries are in source order.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    pub entries: Vec<RawEntry>,
}

/// One `key = value` of a table.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub key: String,
    pub key_span: Span,
    pub value: RawValue,
}

impl RawTable {
    /// Returns the entry for `key`.
    pub fn get(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl RawValue {
    /// Returns the TOML type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            RawKind::String(_) => "a string",
            RawKind::Integer(_) => "an integer",
            RawKind::Float(_) => "a float",
            RawKind::Boolean(_) => "a boolean",
            RawKind::Datetime(_) => "a datetime",
            RawKind::Array(_) => "an array",
            RawKind::Table(_) => "a table",
        }
    }

    /// Returns the table, if this value is one.
    pub fn as_table(&self) -> Option<&RawTable> {
        match &self.kind {
            RawKind::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Returns the string, if this value is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            RawKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts the value to JSON (datetimes become strings).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            RawKind::String(s) | RawKind::Datetime(s) => serde_json::Value::String(s.clone()),
            RawKind::Integer(i) => serde_json::Value::from(*i),
            RawKind::Float(f) => serde_json::Value::from(*f),
            RawKind::Boolean(b) => serde_json::Value::Bool(*b),
            RawKind::Array(items) => items.iter().map(RawValue::to_json).collect(),
            RawKind::Table(t) => serde_json::Value::Object(
                t.entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Parses a TOML document, keeping spans; a syntax error points at its place in `file`.
pub fn parse(file: &SourceFile) -> Result<RawValue, ManifestError> {
    let parsed = DeTable::parse(&file.text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        ManifestError::at(
            file,
            span,
            format!("invalid TOML: {}", err.message()),
            "here",
        )
        .with_help("fix the TOML syntax; see https://toml.io for the format")
    })?;
    let span = parsed.span();
    Ok(RawValue {
        span,
        kind: RawKind::Table(convert_table(parsed.get_ref(), file)?),
    })
}

fn convert_table(table: &DeTable<'_>, file: &SourceFile) -> Result<RawTable, ManifestError> {
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        entries.push(RawEntry {
            key: key.get_ref().to_string(),
            key_span: key.span(),
            value: convert(value, file)?,
        });
    }
    // The map is sorted by key; users expect steps and errors in the order they wrote them.
    entries.sort_by_key(|e| e.key_span.start);
    Ok(RawTable { entries })
}

fn convert(value: &Spanned<DeValue<'_>>, file: &SourceFile) -> Result<RawValue, ManifestError> {
    let span = value.span();
    let kind = match value.get_ref() {
        DeValue::String(s) => RawKind::String(Cow::clone(s).into_owned()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let parsed = i64::from_str_radix(&digits, i.radix()).map_err(|_| {
                ManifestError::at(file, span.clone(), "integer out of range", "too large")
                    .with_help("integers must fit in 64 bits")
            })?;
            RawKind::Integer(parsed)
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            let parsed = match text.as_str() {
                "inf" | "+inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" | "+nan" | "-nan" => f64::NAN,
                other => other
                    .parse()
                    .map_err(|_| ManifestError::at(file, span.clone(), "invalid float", "here"))?,
            };
            RawKind::Float(parsed)
        }
        DeValue::Boolean(b) => RawKind::Boolean(*b),
        DeValue::Datetime(d) => RawKind::Datetime(d.to_string()),
        DeValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(convert(item, file)?);
            }
            RawKind::Array(out)
        }
        DeValue::Table(t) => RawKind::Table(convert_table(t, file)?),
    };
    Ok(RawValue { span, kind })
}
