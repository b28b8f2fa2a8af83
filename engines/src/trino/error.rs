//! What goes wrong talking to Trino, with the SQLSTATE each is.

/// An error of the Trino engine.
#[derive(Debug, thiserror::Error)]
pub enum TrinoError {
    /// Trino refused or failed the query; `name` is its `errorName`.
    #[error("{message}")]
    Query { name: String, message: String },

    #[error("trino at {url} cannot be reached: {reason}")]
    Unreachable { url: String, reason: String },

    #[error("trino at {0} refused junction's credentials")]
    Unauthorized(String),

    #[error("trino at {url} answered something that is not its protocol: {reason}")]
    Malformed { url: String, reason: String },

    /// A result type junction cannot carry yet.
    #[error("{0}")]
    Unsupported(String),
}

impl TrinoError {
    /// The SQLSTATE clients see: Trino's `errorName` mapped to PostgreSQL's code for the same
    /// condition, never a guess from the message's words.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            TrinoError::Query { name, .. } => sqlstate_of(name),
            TrinoError::Unreachable { .. } | TrinoError::Malformed { .. } => "58000",
            TrinoError::Unauthorized(_) => "28000",
            TrinoError::Unsupported(_) => "0A000",
        }
    }
}

fn sqlstate_of(error_name: &str) -> &'static str {
    match error_name {
        "SYNTAX_ERROR" => "42601",
        "TABLE_NOT_FOUND" | "MISSING_TABLE" => "42P01",
        "SCHEMA_NOT_FOUND" => "3F000",
        "CATALOG_NOT_FOUND" => "3D000",
        "COLUMN_NOT_FOUND" | "MISSING_COLUMN_NAME" => "42703",
        "AMBIGUOUS_NAME" => "42702",
        "FUNCTION_NOT_FOUND" => "42883",
        "TYPE_MISMATCH" => "42804",
        "MISSING_GROUP_BY" | "EXPRESSION_NOT_AGGREGATE" => "42803",
        "DIVISION_BY_ZERO" => "22012",
        "INVALID_CAST_ARGUMENT" => "22P02",
        "NUMERIC_VALUE_OUT_OF_RANGE" => "22003",
        "INVALID_FUNCTION_ARGUMENT" => "22023",
        "NOT_SUPPORTED" => "0A000",
        "PERMISSION_DENIED" => "42501",
        "EXCEEDED_TIME_LIMIT" | "USER_CANCELED" | "ADMINISTRATIVELY_KILLED" => "57014",
        name if name.starts_with("EXCEEDED_") && name.ends_with("MEMORY_LIMIT") => "53200",
        "SERVER_STARTING_UP" | "SERVER_SHUTTING_DOWN" | "NO_NODES_AVAILABLE" => "58000",
        _ => "XX000",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_map_to_postgresql_codes() {
        let query = |name: &str| TrinoError::Query {
            name: name.to_owned(),
            message: String::new(),
        };
        for (name, code) in [
            ("SYNTAX_ERROR", "42601"),
            ("TABLE_NOT_FOUND", "42P01"),
            ("COLUMN_NOT_FOUND", "42703"),
            ("FUNCTION_NOT_FOUND", "42883"),
            ("DIVISION_BY_ZERO", "22012"),
            ("INVALID_CAST_ARGUMENT", "22P02"),
            ("NUMERIC_VALUE_OUT_OF_RANGE", "22003"),
            ("EXCEEDED_TIME_LIMIT", "57014"),
            ("EXCEEDED_LOCAL_MEMORY_LIMIT", "53200"),
            ("USER_CANCELED", "57014"),
            ("GENERIC_INTERNAL_ERROR", "XX000"),
        ] {
            assert_eq!(query(name).sqlstate(), code, "{name}");
        }
    }
}
