use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use junction_catalogs::CatalogError;

use crate::sql_error::SqlError;

/// Errors of the engines crate.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An error DataFusion reported while planning or running a statement.
    #[error("{}", crate::df::error::message(.0))]
    DataFusion(#[source] DataFusionError),

    #[error(transparent)]
    Catalog(#[from] CatalogError),

    /// The statement cannot be written in the engine's dialect.
    #[error(transparent)]
    Transpile(#[from] junction_transpiler::TranspileError),

    #[error("catalog \"{0}\" does not exist")]
    CatalogNotFound(String),

    #[error("{0}")]
    Unsupported(String),

    /// A construct the engine cannot run in this session's settings (a time zone other than
    /// UTC), which it runs in others.
    #[error("{0}")]
    UnsupportedInSession(String),

    /// An error DuckDB reported, with the SQLSTATE its kind maps to.
    #[error("{message}")]
    DuckDb {
        message: String,
        sqlstate: &'static str,
        /// The function DuckDB said it does not have (by that name or for those argument
        /// types).
        function: Option<String>,
    },

    #[error("relation \"{0}\" does not exist")]
    UnknownTable(String),

    /// A function the engine has none of by that name.
    #[error("function {0} does not exist")]
    UndefinedFunction(String),

    /// An engine cannot take queries at all (the message names it).
    #[error("{0}")]
    Unavailable(String),

    /// An error junction's own functions raised inside an engine, with its SQLSTATE.
    #[error(transparent)]
    Sql(#[from] SqlError),

    /// The remote Trino engine's error.
    #[error(transparent)]
    Trino(crate::TrinoError),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl From<DataFusionError> for EngineError {
    fn from(e: DataFusionError) -> Self {
        // A catalog failure surfaces inside DataFusion's error chain when it happened while
        // DataFusion asked for a table; report it as the catalog error it is.
        match e {
            DataFusionError::External(inner) => match inner.downcast::<CatalogError>() {
                Ok(catalog) => EngineError::Catalog(*catalog),
                Err(inner) => match inner.downcast::<SqlError>() {
                    Ok(sql) => EngineError::Sql(*sql),
                    // Engines other than DataFusion pass their errors through DataFusion's
                    // stream type.
                    Err(inner) => match inner.downcast::<EngineError>() {
                        Ok(engine) => *engine,
                        Err(inner) => EngineError::DataFusion(DataFusionError::External(inner)),
                    },
                },
            },
            // Errors of a table's load inside a plan's execution come back through Arrow.
            DataFusionError::ArrowError(arrow, backtrace) => match *arrow {
                ArrowError::ExternalError(inner) => match inner.downcast::<DataFusionError>() {
                    Ok(datafusion) => EngineError::from(*datafusion),
                    Err(inner) => EngineError::from(DataFusionError::External(inner)),
                },
                arrow => {
                    EngineError::DataFusion(DataFusionError::ArrowError(Box::new(arrow), backtrace))
                }
            },
            DataFusionError::Context(context, inner) => match EngineError::from(*inner) {
                EngineError::DataFusion(inner) => {
                    EngineError::DataFusion(DataFusionError::Context(context, Box::new(inner)))
                }
                other => other,
            },
            other => EngineError::DataFusion(other),
        }
    }
}

/// How an error an engine gives no kind of its own is recognised by its words: only the
/// tables of `df/error.rs` and `duck/error.rs` use it, each entry pinned by a test.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Words {
    Start(&'static str),
    Within(&'static str),
    /// Within, in any case (the words appear capitalised or not).
    AnyCase(&'static str),
}

impl Words {
    pub(crate) fn in_message(self, message: &str) -> bool {
        match self {
            Words::Start(start) => message.starts_with(start),
            Words::Within(words) => message.contains(words),
            Words::AnyCase(words) => message.to_ascii_lowercase().contains(words),
        }
    }
}

/// PostgreSQL's 42703 message: `column "x" does not exist`, or `column t.x does not exist`
/// for a qualified reference.
pub(crate) fn undefined_column(table: Option<&str>, column: &str) -> String {
    match table {
        Some(table) => format!("column {table}.{column} does not exist"),
        None => format!("column \"{column}\" does not exist"),
    }
}

/// The text between the first pair of `quote`s after `after` in `message`.
fn quoted_after<'a>(message: &'a str, after: &str, quote: char) -> Option<&'a str> {
    let rest = &message[message.find(after)? + after.len()..];
    let rest = rest.strip_prefix(quote)?;
    Some(&rest[..rest.find(quote)?])
}

impl EngineError {
    /// The function a statement called that the engine does not have (by that name, or for
    /// those argument types), as the engine's message names it; PostgreSQL words this
    /// `function f(types) does not exist`, which only the statement can complete.
    pub fn undefined_function(&self) -> Option<String> {
        match self {
            EngineError::DuckDb { function, .. } => return function.clone(),
            EngineError::UndefinedFunction(function) => return Some(function.clone()),
            _ => {}
        }
        let message = self.to_string();
        // DataFusion's words for a function it has, but not for these argument types.
        let name = if let Some(name) = quoted_after(&message, "Function ", '\'')
            .filter(|_| message.contains("coercion failed"))
        {
            name
        } else if let Some(name) = quoted_after(&message, "satisfy a call to ", '\'') {
            name
        } else {
            let call = quoted_after(&message, "the given name and argument types ", '\'')?;
            call.split('(').next()?
        };
        Some(name.to_owned())
    }

    /// Whether another engine might run the statement: the construct, function or table is
    /// beyond this engine (0A000, 42883), not wrong in itself; the engine cannot take
    /// statements now (58000); or an in-process engine cannot fit the statement in the memory
    /// a statement may take (53200), which the other, spilling or counting more exactly, may.
    /// A cluster that ran out of memory leaves nothing this machine should try.
    pub fn is_engine_specific(&self) -> bool {
        match self.sqlstate() {
            "0A000" | "42883" | "58000" => true,
            "53200" => !matches!(self, EngineError::Trino(_)),
            _ => false,
        }
    }

    /// Whether the statement asks for junction's metadata or the session's identity, which
    /// this engine does not serve: another engine answers it even when the session pins this
    /// one (metadata and identity must not depend on the pinned engine).
    pub fn is_metadata(&self) -> bool {
        matches!(
            self,
            EngineError::Transpile(junction_transpiler::TranspileError::Metadata(_))
        )
    }

    /// Whether the engine failed for the session's settings rather than for the statement:
    /// the same statement may run there in another session.
    pub fn depends_on_session(&self) -> bool {
        matches!(self, EngineError::UnsupportedInSession(_))
    }

    /// The SQLSTATE clients see for this error (DESIGN.md, "Errors").
    pub fn sqlstate(&self) -> &'static str {
        match self {
            EngineError::Catalog(c) => c.sqlstate(),
            EngineError::Transpile(t) => t.sqlstate(),
            EngineError::CatalogNotFound(_) => "3D000",
            EngineError::Unsupported(_) | EngineError::UnsupportedInSession(_) => "0A000",
            EngineError::DuckDb { sqlstate, .. } => sqlstate,
            EngineError::UnknownTable(_) => "42P01",
            EngineError::UndefinedFunction(_) => "42883",
            EngineError::Unavailable(_) => "58000",
            EngineError::Sql(e) => e.sqlstate,
            EngineError::Trino(e) => e.sqlstate(),
            EngineError::DataFusion(e) => {
                crate::df::error::sqlstate(crate::df::error::innermost(e))
            }
        }
    }
}

impl From<duckdb::Error> for EngineError {
    fn from(e: duckdb::Error) -> Self {
        let text = match &e {
            duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
            other => other.to_string(),
        };
        crate::duck::error::engine_error(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_errors_keep_their_code_through_datafusion() {
        let inner = CatalogError::SchemaNotFound("nope".into());
        let e = EngineError::from(DataFusionError::External(Box::new(inner)));
        assert_eq!(e.sqlstate(), "3F000");
    }

    #[test]
    fn unknown_columns_and_functions_are_named() {
        use datafusion::common::{Column, SchemaError};
        let e = EngineError::from(DataFusionError::SchemaError(
            Box::new(SchemaError::FieldNotFound {
                field: Box::new(Column::new(Some("p"), "nosuch")),
                valid_fields: Vec::new(),
            }),
            Box::new(None),
        ));
        assert_eq!(e.to_string(), "column p.nosuch does not exist");
        assert_eq!(e.sqlstate(), "42703");
        let e = EngineError::UndefinedFunction("nosuch".to_owned());
        assert_eq!(e.undefined_function().as_deref(), Some("nosuch"));
        assert_eq!(e.sqlstate(), "42883");
        let e = EngineError::from(DataFusionError::Plan(
            "Failed to coerce arguments to satisfy a call to 'abs' function".to_owned(),
        ));
        assert_eq!(e.undefined_function().as_deref(), Some("abs"));
        assert_eq!(
            EngineError::Unsupported("x".into()).undefined_function(),
            None
        );
    }

    #[test]
    fn division_by_zero_is_22012() {
        let e = EngineError::from(DataFusionError::ArrowError(
            Box::new(ArrowError::DivideByZero),
            None,
        ));
        assert_eq!(e.sqlstate(), "22012");
        assert_eq!(e.to_string(), "division by zero");
    }
}
