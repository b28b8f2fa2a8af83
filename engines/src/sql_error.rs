//! Errors junction's own functions raise inside an engine, with PostgreSQL's SQLSTATE and
//! message, so that the client sees what PostgreSQL would say without anyone reading the
//! engine's message text to guess a code.

/// An error with the SQLSTATE PostgreSQL gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    pub sqlstate: &'static str,
    pub message: String,
}

impl SqlError {
    /// 22012.
    pub fn division_by_zero() -> Self {
        Self {
            sqlstate: "22012",
            message: "division by zero".to_owned(),
        }
    }

    /// 22003, with PostgreSQL's message for `type_name` (`integer out of range`).
    pub fn out_of_range(type_name: &str) -> Self {
        Self {
            sqlstate: "22003",
            message: format!("{type_name} out of range"),
        }
    }

    /// 22003, as PostgreSQL words an overflowing numeric or float (`value overflows numeric
    /// format`, `value out of range: overflow`).
    pub fn overflow(message: &str) -> Self {
        Self {
            sqlstate: "22003",
            message: message.to_owned(),
        }
    }

    /// 2201F: zero to a negative power.
    pub fn zero_to_negative_power() -> Self {
        Self {
            sqlstate: "2201F",
            message: "zero raised to a negative power is undefined".to_owned(),
        }
    }

    /// 2201F: a negative number to a fractional power.
    pub fn complex_power() -> Self {
        Self {
            sqlstate: "2201F",
            message: "a negative number raised to a non-integer power yields a complex result"
                .to_owned(),
        }
    }

    /// 22023, an argument no value of which makes sense (an unknown time zone).
    pub fn invalid_parameter(message: String) -> Self {
        Self {
            sqlstate: "22023",
            message,
        }
    }
}

impl From<SqlError> for datafusion::error::DataFusionError {
    fn from(e: SqlError) -> Self {
        datafusion::error::DataFusionError::External(Box::new(e))
    }
}

impl From<SqlError> for datafusion::arrow::error::ArrowError {
    fn from(e: SqlError) -> Self {
        datafusion::arrow::error::ArrowError::ExternalError(Box::new(e))
    }
}
