//! A serde deserializer over rendered JSON that records where an error happened (the key path)
//! so that the plan can point at the manifest line, and that suggests the nearest key or value
//! for unknown ones.
//!
//! In lenient mode (plan time), a placeholder string for a value known only after another step
//! is accepted by any field: numbers become 0, booleans false, lists and tables empty. The
//! options built that way are only used for display; the runner renders the real ones.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::manifest::error::lookup_hint;
use crate::steps::common::{DEFERRED_MARK, display_deferred, is_deferred};

/// A deserialisation error with the key path (outermost key first) where it happened.
#[derive(Debug, Clone)]
pub struct DeError {
    pub path: Vec<String>,
    pub message: String,
    pub help: Option<String>,
    /// Whether the error is about the key itself (an unknown key) rather than its value.
    pub at_key: bool,
}

impl DeError {
    fn new(message: String) -> Self {
        DeError {
            path: Vec::new(),
            message,
            help: None,
            at_key: false,
        }
    }

    fn within(mut self, key: &str) -> Self {
        self.path.insert(0, key.to_string());
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let text = msg.to_string();
        if let Some(rest) = text.strip_prefix("data did not match any variant of untagged enum ") {
            let expected = match rest {
                "IdRef" => "an integer id or a UUID string",
                "EntryDatasets" => "a dataset id or UUID, or a list of them",
                _ => "a value of another type",
            };
            return DeError::new(format!("wrong type: expected {expected}"));
        }
        DeError::new(text)
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!(
            "wrong type: expected {exp}, found {}",
            describe(&unexp)
        ))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!(
            "invalid value: expected {exp}, found {}",
            describe(&unexp)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        if is_deferred(variant) {
            let mut err = DeError::new(format!(
                "this value must be known at plan time, but it is {}",
                display_deferred(variant)
            ));
            err.help = Some(format!("use one of: {}", expected.join(", ")));
            return err;
        }
        let mut err = DeError::new(format!("unknown value `{variant}`"));
        err.help = Some(lookup_hint(variant, "values", expected.iter().copied()));
        err
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut err = DeError::new(format!("unknown key `{field}`"));
        err.help = Some(lookup_hint(field, "keys", expected.iter().copied()));
        err.at_key = true;
        err
    }

    fn missing_field(field: &'static str) -> Self {
        let mut err = DeError::new(format!("missing key `{field}`"));
        err.help = Some(format!("add `{field} = ...` to this table"));
        err
    }
}

fn describe(unexp: &de::Unexpected<'_>) -> String {
    match unexp {
        de::Unexpected::Str(s) => format!("string \"{}\"", display_deferred(s)),
        other => other.to_string(),
    }
}

/// Deserialises a JSON value; `extra_keys` are accepted at the top level and offered as
/// suggestions (the common step keys).
pub struct ValueDe<'a> {
    value: &'a Value,
    lenient: bool,
    extra_keys: &'static [&'static str],
}

impl<'a> ValueDe<'a> {
    /// Creates a deserializer; `lenient` accepts plan-time placeholders in any field.
    pub fn new(value: &'a Value, lenient: bool, extra_keys: &'static [&'static str]) -> Self {
        ValueDe {
            value,
            lenient,
            extra_keys,
        }
    }

    fn placeholder(&self) -> bool {
        self.lenient && matches!(self.value, Value::String(s) if s.starts_with(DEFERRED_MARK))
    }
}

struct Seq<'a> {
    iter: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    lenient: bool,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.iter.next() {
            None => Ok(None),
            Some((i, value)) => {
                let de = ValueDe {
                    value,
                    lenient: self.lenient,
                    extra_keys: &[],
                };
                seed.deserialize(de)
                    .map(Some)
                    .map_err(|e| e.within(&i.to_string()))
            }
        }
    }
}

struct Map<'a> {
    iter: serde_json::map::Iter<'a>,
    pending: Option<(&'a str, &'a Value)>,
    lenient: bool,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            None => Ok(None),
            Some((key, value)) => {
                self.pending = Some((key.as_str(), value));
                let key_de = de::value::BorrowedStrDeserializer::<DeError>::new(key.as_str());
                seed.deserialize(key_de).map(Some).map_err(|mut e| {
                    e.at_key = true;
                    e.within(key)
                })
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((key, value)) = self.pending.take() else {
            return Err(DeError::new(
                "internal error: value requested before key".into(),
            ));
        };
        let de = ValueDe {
            value,
            lenient: self.lenient,
            extra_keys: &[],
        };
        seed.deserialize(de).map_err(|e| e.within(key))
    }
}

struct Empty;

impl<'de> SeqAccess<'de> for Empty {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        _: T,
    ) -> Result<Option<T::Value>, DeError> {
        Ok(None)
    }
}

impl<'de> MapAccess<'de> for Empty {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        _: K,
    ) -> Result<Option<K::Value>, DeError> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, DeError> {
        Err(DeError::new(
            "internal error: value requested from an empty table".into(),
        ))
    }
}

macro_rules! lenient_number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            if self.placeholder() {
                return visitor.visit_u64(0);
            }
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Seq {
                iter: items.iter().enumerate(),
                lenient: self.lenient,
            }),
            Value::Object(map) => visitor.visit_map(Map {
                iter: map.iter(),
                pending: None,
                lenient: self.lenient,
            }),
        }
    }

    lenient_number! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.placeholder() {
            return visitor.visit_bool(false);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.placeholder() {
            return visitor.visit_seq(Empty);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.placeholder() {
            return visitor.visit_map(Empty);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if self.placeholder() {
            return visitor.visit_map(Empty);
        }
        if let Value::Object(map) = self.value {
            for key in map.keys() {
                if !fields.contains(&key.as_str()) && !self.extra_keys.contains(&key.as_str()) {
                    let mut err = DeError::new(format!("unknown key `{key}`"));
                    let candidates = fields.iter().chain(self.extra_keys.iter()).copied();
                    err.help = Some(lookup_hint(key, "keys", candidates));
                    err.at_key = true;
                    return Err(err.within(key));
                }
            }
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::String(s) => {
                let de = de::value::BorrowedStrDeserializer::<DeError>::new(s.as_str());
                visitor.visit_enum(de)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}
