//! Search criteria for dataset and job lists, in the server's operator syntax.
//!
//! A criterion is a field name and a value such as `in:1,2,3`, `like:lambda` or
//! `lt:2019-03-01T00:00:00.000Z`. The same criteria serve as GET query parameters (which reqwest
//! URL-encodes, so `:` travels as `%3A`) and as POST search bodies, where every value is a string.

use std::fmt::Display;

/// An ordered set of search criteria, at most one per field.
///
/// Setting a field again replaces its earlier value, because a POST body cannot hold a key twice;
/// use [`SearchCriteria::range`] for a lower and an upper bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchCriteria {
    criteria: Vec<(String, String)>,
}

impl SearchCriteria {
    /// Starts empty criteria, which match every active record.
    pub fn new() -> Self {
        SearchCriteria::default()
    }

    /// Sets `field` to a raw value that may already carry an operator prefix.
    #[must_use]
    pub fn raw(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        let field = field.into();
        let value = value.into();
        match self.criteria.iter_mut().find(|(name, _)| *name == field) {
            Some(existing) => existing.1 = value,
            None => self.criteria.push((field, value)),
        }
        self
    }

    /// Matches a value: exact for ids, numbers and UUIDs; a case-insensitive substring for
    /// free-text fields on SMRT Link 12.
    #[must_use]
    pub fn eq(self, field: impl Into<String>, value: impl Display) -> Self {
        self.raw(field, value.to_string())
    }

    /// Matches any of the values (`in:a,b,c`).
    #[must_use]
    pub fn any_of<I, V>(self, field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Display,
    {
        let joined: Vec<String> = values.into_iter().map(|value| value.to_string()).collect();
        self.raw(field, format!("in:{}", joined.join(",")))
    }

    /// Matches a substring (`like:`); the server documents it as slow.
    #[must_use]
    pub fn like(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "like", value)
    }

    /// Excludes a value (`not:`; SMRT Link 13).
    #[must_use]
    pub fn not(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "not", value)
    }

    /// Excludes a substring (`unlike:`; SMRT Link 13).
    #[must_use]
    pub fn unlike(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "unlike", value)
    }

    /// Matches a prefix (`start:`; SMRT Link 13).
    #[must_use]
    pub fn starts_with(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "start", value)
    }

    /// Matches a suffix (`end:`; SMRT Link 13).
    #[must_use]
    pub fn ends_with(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "end", value)
    }

    /// Matches values greater than `value` (`gt:`).
    #[must_use]
    pub fn gt(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "gt", value)
    }

    /// Matches values greater than or equal to `value` (`gte:`).
    #[must_use]
    pub fn gte(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "gte", value)
    }

    /// Matches values less than `value` (`lt:`).
    #[must_use]
    pub fn lt(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "lt", value)
    }

    /// Matches values less than or equal to `value` (`lte:`).
    #[must_use]
    pub fn lte(self, field: impl Into<String>, value: impl Display) -> Self {
        self.prefixed(field, "lte", value)
    }

    /// Matches values between `start` and `end` (`range:start,end`; SMRT Link 13).
    #[must_use]
    pub fn range(self, field: impl Into<String>, start: impl Display, end: impl Display) -> Self {
        self.raw(field, format!("range:{start},{end}"))
    }

    /// Matches records with no value, e.g. datasets with no `parentUuid`.
    #[must_use]
    pub fn is_null(self, field: impl Into<String>) -> Self {
        self.raw(field, "null")
    }

    /// Sets the maximum number of records to return.
    #[must_use]
    pub fn limit(self, limit: u64) -> Self {
        self.raw("limit", limit.to_string())
    }

    /// Skips the first `offset` records (the server calls the offset a marker).
    #[must_use]
    pub fn marker(self, offset: u64) -> Self {
        self.raw("marker", offset.to_string())
    }

    /// Selects active (the default) or inactive records.
    ///
    /// Dataset lists return only inactive records for `false`; job lists return both.
    #[must_use]
    pub fn active(self, active: bool) -> Self {
        self.raw("isActive", active.to_string())
    }

    /// Returns whether no criterion is set.
    pub fn is_empty(&self) -> bool {
        self.criteria.is_empty()
    }

    /// Returns the criteria as query parameters, unencoded, in the order they were set.
    pub fn to_query(&self) -> &[(String, String)] {
        &self.criteria
    }

    /// Returns the criteria as a POST search body, every value a string.
    pub fn to_body(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .criteria
            .iter()
            .map(|(field, value)| (field.clone(), serde_json::Value::String(value.clone())))
            .collect();
        serde_json::Value::Object(map)
    }

    fn prefixed(self, field: impl Into<String>, operator: &str, value: impl Display) -> Self {
        self.raw(field, format!("{operator}:{value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_render_with_prefixes() {
        let criteria = SearchCriteria::new()
            .any_of("id", [1, 2, 3])
            .like("name", "lambda")
            .gt("numRecords", 10)
            .gte("totalLength", 5)
            .lt("createdAt", "2019-03-01T00:00:00.000Z")
            .lte("jobId", 9)
            .not("state", "FAILED")
            .unlike("path", "tmp")
            .starts_with("name", "SAT")
            .ends_with("comment", "x")
            .range("projectId", 1, 4)
            .is_null("parentUuid");
        let query = criteria.to_query();
        let get = |field: &str| {
            query
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(get("id"), Some("in:1,2,3"));
        assert_eq!(get("numRecords"), Some("gt:10"));
        assert_eq!(get("totalLength"), Some("gte:5"));
        assert_eq!(get("createdAt"), Some("lt:2019-03-01T00:00:00.000Z"));
        assert_eq!(get("jobId"), Some("lte:9"));
        assert_eq!(get("state"), Some("not:FAILED"));
        assert_eq!(get("path"), Some("unlike:tmp"));
        // starts_with replaced the earlier like on the same field.
        assert_eq!(get("name"), Some("start:SAT"));
        assert_eq!(get("comment"), Some("end:x"));
        assert_eq!(get("projectId"), Some("range:1,4"));
        assert_eq!(get("parentUuid"), Some("null"));
    }

    #[test]
    fn same_field_twice_keeps_last_value_and_position() {
        let criteria = SearchCriteria::new()
            .eq("name", "a")
            .limit(5)
            .eq("name", "b");
        assert_eq!(
            criteria.to_query(),
            &[
                ("name".to_string(), "b".to_string()),
                ("limit".to_string(), "5".to_string())
            ]
        );
    }

    #[test]
    fn body_has_string_values() {
        let body = SearchCriteria::new()
            .any_of("id", [4, 5])
            .limit(10)
            .active(true)
            .to_body();
        assert_eq!(
            body,
            serde_json::json!({"id": "in:4,5", "limit": "10", "isActive": "true"})
        );
    }

    #[test]
    fn query_is_url_encoded_by_reqwest() {
        let criteria = SearchCriteria::new()
            .lt("createdAt", "2019-03-01T00:00:00.000Z")
            .eq("createdBy", "a b");
        let request = reqwest::Client::new()
            .get("http://127.0.0.1:1/x")
            .query(criteria.to_query())
            .build()
            .expect("request builds");
        assert_eq!(
            request.url().query(),
            Some("createdAt=lt%3A2019-03-01T00%3A00%3A00.000Z&createdBy=a+b")
        );
    }
}
