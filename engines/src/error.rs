use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use junction_catalogs::CatalogError;

use crate::sql_error::SqlError;

/// Errors of the engines crate.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An error DataFusion reported while planning or running a statement.
    #[error("{}", datafusion_message(.0))]
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

/// DataFusion's message without its error-kind prefixes ("Error during planning: ").
fn datafusion_message(e: &DataFusionError) -> String {
    let e = innermost(e);
    match e {
        DataFusionError::Plan(m) => m.clone(),
        DataFusionError::Execution(m) if m.starts_with(REGEX_NOT_COMPILED) => invalid_regex(m),
        DataFusionError::Execution(m)
        | DataFusionError::NotImplemented(m)
        | DataFusionError::Configuration(m) => m.clone(),
        DataFusionError::SchemaError(s, _) => match s.as_ref() {
            SchemaError::FieldNotFound { field, .. } => {
                undefined_column(field.relation.as_ref().map(|r| r.table()), &field.name)
            }
            other => other.to_string(),
        },
        DataFusionError::ArrowError(a, _) => arrow_message(a),
        DataFusionError::SQL(p, _) => p.to_string(),
        // junction's statement pool says which bound was met (df/memory.rs).
        DataFusionError::ResourcesExhausted(m) => format!("out of memory: {}", pool_refusal(m)),
        DataFusionError::External(inner) => {
            if let Some(sql) = inner.downcast_ref::<SqlError>() {
                sql.message.clone()
            } else if let Some(regex) = inner.downcast_ref::<regex::Error>() {
                invalid_regex(&regex.to_string())
            } else if let Some(regex) = inner.downcast_ref::<regex_syntax::Error>() {
                invalid_regex(&regex.to_string())
            } else {
                e.to_string()
            }
        }
        other => other.to_string(),
    }
}

/// What a memory pool's refusal says failed to fit: its last line (the lines before list the
/// largest consumers).
pub(crate) fn pool_refusal(message: &str) -> &str {
    message
        .lines()
        .last()
        .unwrap_or(message)
        .trim_start_matches("Error: ")
}

/// PostgreSQL's 2201B message, with the regex crate's reason (the last line of its report,
/// which first repeats the pattern).
fn invalid_regex(report: &str) -> String {
    let reason = report
        .lines()
        .find_map(|line| line.strip_prefix("error: "))
        .or_else(|| report.lines().last())
        .unwrap_or(report);
    format!("invalid regular expression: {reason}")
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

/// What arrow-arith says of a date or timestamp moved past the timestamp range.
const TIMESTAMP_OUT_OF_RANGE: &str = "Timestamp out of range";

/// How DataFusion's regular-expression kernels begin the error of a pattern that does not
/// compile, where they do not pass the regex crate's error on.
const REGEX_NOT_COMPILED: &str = "Regular expression did not compile: ";

fn arrow_message(a: &ArrowError) -> String {
    match a {
        ArrowError::ExternalError(inner) if inner.downcast_ref::<SqlError>().is_some() => {
            inner.to_string()
        }
        ArrowError::DivideByZero => "division by zero".to_owned(),
        ArrowError::ComputeError(m) if m == TIMESTAMP_OUT_OF_RANGE => {
            "timestamp out of range".to_owned()
        }
        ArrowError::ComputeError(m) if m.starts_with(REGEX_NOT_COMPILED) => invalid_regex(m),
        ArrowError::CastError(m)
        | ArrowError::ComputeError(m)
        | ArrowError::InvalidArgumentError(m) => m.clone(),
        other => other.to_string(),
    }
}

fn innermost(e: &DataFusionError) -> &DataFusionError {
    match e {
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            innermost(inner)
        }
        DataFusionError::Shared(inner) => innermost(inner),
        DataFusionError::Collection(errors) => errors.first().map_or(e, innermost),
        other => other,
    }
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
            EngineError::DataFusion(e) => datafusion_sqlstate(innermost(e)),
        }
    }
}

fn datafusion_sqlstate(e: &DataFusionError) -> &'static str {
    match e {
        DataFusionError::SQL(..) => "42601",
        DataFusionError::SchemaError(s, _) => match s.as_ref() {
            SchemaError::FieldNotFound { .. } => "42703",
            SchemaError::AmbiguousReference { .. } => "42702",
            SchemaError::DuplicateQualifiedField { .. }
            | SchemaError::DuplicateUnqualifiedField { .. } => "42701",
        },
        DataFusionError::Plan(m) => plan_sqlstate(m),
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::ArrowError(a, _) => match a.as_ref() {
            ArrowError::DivideByZero => "22012",
            ArrowError::CastError(m)
                if m.to_ascii_lowercase().contains("overflow") || m.contains("out of range") =>
            {
                // PostgreSQL's class for a date, time or interval out of range is 22008.
                if m.contains("Interval") || m.contains("Timestamp") || m.contains("Date") {
                    "22008"
                } else {
                    "22003"
                }
            }
            // arrow-arith's only words for date arithmetic past the timestamp range.
            ArrowError::ComputeError(m) if m == TIMESTAMP_OUT_OF_RANGE => "22008",
            ArrowError::ComputeError(m) if m.starts_with(REGEX_NOT_COMPILED) => "2201B",
            // A number that does not fit the type it is cast to.
            ArrowError::CastError(m) if m.starts_with("Can't cast value") => "22003",
            ArrowError::CastError(_) | ArrowError::ParseError(_) => "22P02",
            ArrowError::ArithmeticOverflow(_) => "22003",
            // A numeric too wide for its numeric(p, s), as arrow-data words it.
            ArrowError::InvalidArgumentError(m)
                if m.contains("to store in a Decimal") && m.contains(" of precision ") =>
            {
                "22003"
            }
            ArrowError::IoError(..) => "58030",
            ArrowError::ExternalError(inner) => external_sqlstate(inner.as_ref()),
            _ => "XX000",
        },
        DataFusionError::Execution(m) => execution_sqlstate(m),
        DataFusionError::External(e) => external_sqlstate(e.as_ref()),
        DataFusionError::ObjectStore(_)
        | DataFusionError::IoError(_)
        | DataFusionError::ParquetError(_) => "58030",
        _ => "XX000",
    }
}

/// Table-format libraries report through DataFusion's `External`: a file or manifest that
/// cannot be read is a storage error (58030), a format feature they lack is 0A000.
fn external_sqlstate(e: &(dyn std::error::Error + Send + Sync + 'static)) -> &'static str {
    if let Some(sql) = e.downcast_ref::<SqlError>() {
        return sql.sqlstate;
    }
    if let Some(datafusion) = e.downcast_ref::<DataFusionError>() {
        return datafusion_sqlstate(innermost(datafusion));
    }
    if e.downcast_ref::<regex::Error>().is_some()
        || e.downcast_ref::<regex_syntax::Error>().is_some()
    {
        return "2201B";
    }
    if let Some(iceberg) = e.downcast_ref::<iceberg::Error>() {
        return match iceberg.kind() {
            iceberg::ErrorKind::FeatureUnsupported => "0A000",
            _ => "58030",
        };
    }
    if e.downcast_ref::<deltalake::DeltaTableError>().is_some()
        || e.downcast_ref::<std::io::Error>().is_some()
        || e.downcast_ref::<object_store::Error>().is_some()
    {
        return "58030";
    }
    "XX000"
}

fn plan_sqlstate(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    // A function DataFusion has, but not for these argument types (a function it lacks is
    // found before, in its registries: df/undefined_functions.rs).
    if m.contains("no function matches") {
        "42883"
    } else if m.contains("cannot be cast")
        || m.contains("cannot infer common")
        || m.contains("no coercion")
        || m.contains("does not support")
        || m.contains("type mismatch")
    {
        "42804"
    } else if m.contains("must appear in the group by clause") {
        "42803"
    } else if m.contains("placeholder") {
        "42P02"
    } else if m.contains("correlated scalar subquery must be aggregated")
        || m.contains("correlated scalar subquery can only be used in")
        // DataFusion's optimizer losing a column of a valid window query (a window over
        // constants beside an IN subquery): its own limitation, not the user's error.
        || m.contains("window schema has wrong number of fields")
    {
        // Valid SQL (PostgreSQL checks the row count when it runs) that DataFusion cannot
        // decorrelate: an engine limitation, which another engine may not have.
        "0A000"
    } else {
        "42601"
    }
}

fn execution_sqlstate(message: &str) -> &'static str {
    if message.starts_with(REGEX_NOT_COMPILED) {
        return "2201B";
    }
    let m = message.to_ascii_lowercase();
    if m.contains("divide by zero") || m.contains("division by zero") {
        "22012"
    } else if m.contains("overflow") || m.contains("out of range") {
        "22003"
    } else if m.contains("cannot cast") || m.contains("invalid") {
        "22P02"
    } else if m.contains("does not support") || m.contains("not supported") {
        // A construct DataFusion rejects only when it builds the physical plan.
        "0A000"
    } else {
        "XX000"
    }
}

impl From<duckdb::Error> for EngineError {
    fn from(e: duckdb::Error) -> Self {
        let text = match &e {
            duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
            other => other.to_string(),
        };
        let (sqlstate, message) = crate::duck::error::classify(&text);
        EngineError::DuckDb {
            message,
            sqlstate,
            function: crate::duck::error::undefined_function(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_messages_map_to_sqlstates() {
        assert_eq!(
            execution_sqlstate("LIKE does not support escape_char other than the backslash (\\)"),
            "0A000"
        );
        assert_eq!(execution_sqlstate("Divide by zero error"), "22012");
        assert_eq!(execution_sqlstate("something unexpected"), "XX000");
    }

    #[test]
    fn plan_messages_map_to_sqlstates() {
        assert_eq!(
            plan_sqlstate(
                "Correlated scalar subquery must be aggregated to return at most one row"
            ),
            "0A000"
        );
    }

    #[test]
    fn catalog_errors_keep_their_code_through_datafusion() {
        let inner = CatalogError::SchemaNotFound("nope".into());
        let e = EngineError::from(DataFusionError::External(Box::new(inner)));
        assert_eq!(e.sqlstate(), "3F000");
    }

    #[test]
    fn unknown_columns_and_functions_are_named() {
        use datafusion::common::Column;
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
