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
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}
