//! Small readers and builders of the sqlparser AST that the rules share.

use sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, ObjectNamePart, Value,
};

/// A function's own name (without schema), as written.
pub(crate) fn function_name(function: &Function) -> Option<&str> {
    function
        .name
        .0
        .last()
        .and_then(ObjectNamePart::as_ident)
        .map(|ident| ident.value.as_str())
}

/// Moves `expr` out, leaving a NULL literal to be overwritten.
pub(crate) fn take(expr: &mut Expr) -> Expr {
    std::mem::replace(expr, Expr::value(Value::Null))
}

/// Wraps `expr` where it stands in `CAST(expr AS data_type)`.
pub(crate) fn cast_in_place(expr: &mut Expr, data_type: DataType) {
    *expr = Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(take(expr)),
        data_type,
        array: false,
        format: None,
    };
}

/// `name(argument)`.
pub(crate) fn call(name: &str, argument: Expr) -> Expr {
    call_with(name, vec![argument])
}

/// `name(arguments...)`.
pub(crate) fn call_with(name: &str, arguments: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        args: self::arguments(arguments),
        ..function(name)
    })
}

/// A plain call of `name` without arguments, to fill in.
pub(crate) fn function(name: &str) -> Function {
    Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    }
}

/// A plain argument list.
pub(crate) fn arguments(arguments: Vec<Expr>) -> FunctionArguments {
    FunctionArguments::List(FunctionArgumentList {
        duplicate_treatment: None,
        args: arguments
            .into_iter()
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
            .collect(),
        clauses: vec![],
    })
}

/// A string literal.
pub(crate) fn string(text: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(text.to_owned()))
}

/// A number literal.
pub(crate) fn number(n: impl ToString) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

/// The text of a string literal.
pub(crate) fn string_literal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Renames a call in place.
pub(crate) fn rename(function: &mut Function, name: &str) {
    function.name = ObjectName::from(vec![Ident::new(name)]);
}
