//! gRPC statuses for the gateway's errors (DESIGN.md, "Errors"): the code follows the
//! SQLSTATE, the message is the one a pg client would read, and the SQLSTATE itself travels
//! in the `x-junction-sqlstate` metadata for clients that want it; a routed statement's query
//! id (pg's DETAIL) in `x-junction-query-id`.

use tonic::{Code, Status};

use crate::error::GatewayError;

/// The metadata key carrying an error's SQLSTATE.
pub const SQLSTATE_KEY: &str = "x-junction-sqlstate";

/// The metadata key carrying the query id of the statement an error came from.
pub const QUERY_ID_KEY: &str = "x-junction-query-id";

/// The status a Flight client sees for `e`, raised by the statement fingerprinted
/// `query_id` once it was routed.
pub fn statement_status(e: &GatewayError, query_id: Option<i64>) -> Status {
    let mut status = to_status(e);
    if let Some(value) = query_id.and_then(|id| id.to_string().parse().ok()) {
        status.metadata_mut().insert(QUERY_ID_KEY, value);
    }
    status
}

/// The status a Flight client sees for `e`.
pub fn to_status(e: &GatewayError) -> Status {
    let sqlstate = e.sqlstate();
    let code = match e {
        // 57014 either way; gRPC tells a deadline from a cancel.
        GatewayError::StatementTimeout => Code::DeadlineExceeded,
        _ => code_for(sqlstate),
    };
    let mut status = Status::new(code, e.client_message());
    if let Ok(value) = sqlstate.parse() {
        status.metadata_mut().insert(SQLSTATE_KEY, value);
    }
    status
}

/// The gRPC code of a SQLSTATE.
pub fn code_for(sqlstate: &str) -> Code {
    match sqlstate {
        "42P01" | "3F000" | "3D000" | "26000" => Code::NotFound,
        "0A000" => Code::Unimplemented,
        "25006" => Code::FailedPrecondition,
        "28000" | "28P01" => Code::Unauthenticated,
        "42501" => Code::PermissionDenied,
        "57014" => Code::Cancelled,
        "53200" | "53300" => Code::ResourceExhausted,
        // A statement too large or deep: the client's to change, as DESIGN.md says.
        "54000" | "54001" | "54011" => Code::InvalidArgument,
        "58000" => Code::Unavailable,
        "XX000" => Code::Internal,
        // Syntax errors, unknown columns/functions/settings, type mismatches, data errors.
        s if s.starts_with("42") || s.starts_with("22") => Code::InvalidArgument,
        _ => Code::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_design_table() {
        let cases = [
            ("42601", Code::InvalidArgument),
            ("42P01", Code::NotFound),
            ("3F000", Code::NotFound),
            ("3D000", Code::NotFound),
            ("42703", Code::InvalidArgument),
            ("42883", Code::InvalidArgument),
            ("22012", Code::InvalidArgument),
            ("22023", Code::InvalidArgument),
            ("0A000", Code::Unimplemented),
            ("25006", Code::FailedPrecondition),
            ("28000", Code::Unauthenticated),
            ("42501", Code::PermissionDenied),
            ("57014", Code::Cancelled),
            ("53200", Code::ResourceExhausted),
            ("53300", Code::ResourceExhausted),
            ("58000", Code::Unavailable),
            ("XX000", Code::Internal),
        ];
        for (sqlstate, code) in cases {
            assert_eq!(code_for(sqlstate), code, "{sqlstate}");
        }
    }

    #[test]
    fn a_status_carries_the_message_and_the_sqlstate() {
        let status = to_status(&GatewayError::ReadOnly("INSERT".into()));
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(
            status.message(),
            "cannot execute INSERT in a read-only transaction"
        );
        assert_eq!(
            status.metadata().get(SQLSTATE_KEY).map(|v| v.to_str().ok()),
            Some(Some("25006"))
        );
    }
}
