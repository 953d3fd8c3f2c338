//! The JSON Schema of the manifest, for editors (taplo / Even Better TOML) and for `schema`.
