//! Small readers and builders of the sqlparser AST that the rules share.

use std::ops::ControlFlow;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, ObjectNamePart, Query, TableFactor,
    UnaryOperator, Value, VisitMut, VisitorMut,
};

/// The conjuncts of `expr`: the operands of its top-level ANDs, parentheses looked through.
pub fn split_and<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner) => split_and(inner, out),
        other => out.push(other),
    }
}

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
        args: argument_list(arguments),
        ..function(name)
    })
}

/// A plain call of `name` without arguments, to fill in.
fn function(name: &str) -> Function {
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
fn argument_list(arguments: Vec<Expr>) -> FunctionArguments {
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
        Expr::Value(v) => string_value(&v.value),
        _ => None,
    }
}

/// `INTERVAL 'text'` of a string expression, as if written so.
pub(crate) fn interval_of(text: Expr) -> Expr {
    Expr::Interval(sqlparser::ast::Interval {
        value: Box::new(text),
        leading_field: None,
        leading_precision: None,
        last_field: None,
        fractional_seconds_precision: None,
    })
}

/// `(root)[subscript]`, one subscript or slice of a list.
pub(crate) fn subscripted(root: Expr, subscript: sqlparser::ast::Subscript) -> Expr {
    Expr::CompoundFieldAccess {
        root: Box::new(Expr::Nested(Box::new(root))),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(subscript)],
    }
}

/// The text of a string value.
pub(crate) fn string_value(value: &Value) -> Option<&str> {
    match value {
        Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
        _ => None,
    }
}

/// Renames a call in place.
pub(crate) fn rename(function: &mut Function, name: &str) {
    function.name = ObjectName::from(vec![Ident::new(name)]);
}

/// The plain (unnamed) argument expressions of a call.
pub(crate) fn arguments(function: &Function) -> impl Iterator<Item = &Expr> {
    let args = match &function.args {
        FunctionArguments::List(list) => list.args.as_slice(),
        _ => &[],
    };
    args.iter().filter_map(plain_argument)
}

/// The name and arguments of a function called in FROM (`read_csv(...)`, or `LATERAL f(...)`),
/// which sqlparser reads as table factors, not expressions.
pub(crate) fn table_function(factor: &TableFactor) -> Option<(&ObjectName, &[FunctionArg])> {
    match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            ..
        } => Some((name, &args.args)),
        TableFactor::Function { name, args, .. } => Some((name, args)),
        _ => None,
    }
}

/// An argument's expression, unless it is named or a wildcard.
pub(crate) fn plain_argument(argument: &FunctionArg) -> Option<&Expr> {
    match argument {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// The plain (unnamed) argument expressions of a call, to rewrite in place.
pub(crate) fn arguments_mut(function: &mut Function) -> impl Iterator<Item = &mut Expr> {
    let args = match &mut function.args {
        FunctionArguments::List(list) => list.args.as_mut_slice(),
        _ => &mut [],
    };
    args.iter_mut().filter_map(|arg| match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    })
}

/// Moves out the arguments of a call of exactly `N` plain arguments, for a rule that
/// replaces the call; `None` (and the call untouched) for another count.
pub(crate) fn take_arguments<const N: usize>(function: &mut Function) -> Option<[Expr; N]> {
    let args: Vec<&mut Expr> = arguments_mut(function).collect();
    if args.len() != N {
        return None;
    }
    args.into_iter()
        .map(take)
        .collect::<Vec<_>>()
        .try_into()
        .ok()
}

/// Moves every plain argument out of a call that is to be replaced.
pub(crate) fn take_all_arguments(function: &mut Function) -> Vec<Expr> {
    arguments_mut(function).map(take).collect()
}

/// Appends a plain argument to a call.
pub(crate) fn push_argument(function: &mut Function, argument: Expr) {
    if let FunctionArguments::List(list) = &mut function.args {
        list.args
            .push(FunctionArg::Unnamed(FunctionArgExpr::Expr(argument)));
    }
}

/// Whether `function` is a call of one of `names` (PostgreSQL's names fold case).
pub(crate) fn is_call_to(function: &Function, names: &[&str]) -> bool {
    function_name(function).is_some_and(|n| names.iter().any(|name| n.eq_ignore_ascii_case(name)))
}

/// `left op right`.
/// `+ - * / %`: the operators whose result type follows their operands'.
pub(crate) fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
    )
}

pub(crate) fn binary(left: Expr, op: BinaryOperator, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op,
        right: Box::new(right),
    }
}

/// `NOT expr`.
pub(crate) fn not(expr: Expr) -> Expr {
    Expr::UnaryOp {
        op: UnaryOperator::Not,
        expr: Box::new(expr),
    }
}

/// `a || b || ...`, or `''` for no parts.
pub(crate) fn concatenation(parts: Vec<Expr>) -> Expr {
    parts
        .into_iter()
        .reduce(|left, right| binary(left, BinaryOperator::StringConcat, right))
        .unwrap_or_else(|| string(""))
}

/// `CASE WHEN condition THEN result [ELSE otherwise] END`.
pub(crate) fn case_when(condition: Expr, result: Expr, otherwise: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: vec![CaseWhen { condition, result }],
        else_result: otherwise.map(Box::new),
    }
}

/// Whether a cast is a plain one (`CAST` or `::`), not `TRY_CAST` and the like.
pub(crate) fn is_plain_cast(kind: &CastKind) -> bool {
    matches!(kind, CastKind::Cast | CastKind::DoubleColon)
}

/// What a plain cast casts, and to which type; `None` for any other expression.
pub(crate) fn plain_cast_mut(expr: &mut Expr) -> Option<(&mut Box<Expr>, &DataType)> {
    match expr {
        Expr::Cast {
            kind,
            expr,
            data_type,
            ..
        } if is_plain_cast(kind) => Some((expr, data_type)),
        _ => None,
    }
}

/// Whether `expr` is an integer constant of at least 1.
pub(crate) fn is_positive_integer(expr: &Expr) -> bool {
    matches!(expr, Expr::Value(v)
        if matches!(&v.value, Value::Number(n, _) if n.parse::<i64>().is_ok_and(|n| n >= 1)))
}

/// The steps of PostgreSQL's text-array path `{a,b,1}` (for `#>` and `#>>`), trimmed and
/// unquoted; `None` for text that is not such a path.
pub(crate) fn path_steps(path: &str) -> Option<Vec<&str>> {
    let inner = path.trim().strip_prefix('{')?.strip_suffix('}')?;
    Some(
        inner
            .split(',')
            .map(|step| step.trim().trim_matches('"'))
            .filter(|step| !step.is_empty())
            .collect(),
    )
}

/// Whether `select` has a GROUP BY.
pub(crate) fn is_grouped(select: &sqlparser::ast::Select) -> bool {
    !matches!(&select.group_by, sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty())
}

/// Calls `f` on each function call of `node` at its own query level: a subquery inside it
/// aggregates, windows and orders its own rows.
pub(crate) fn own_calls<V: VisitMut>(node: &mut V, f: impl FnMut(&mut Function)) {
    struct Level<F> {
        f: F,
        depth: usize,
    }
    impl<F: FnMut(&mut Function)> VisitorMut for Level<F> {
        type Break = ();

        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }

        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }

        fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let (Expr::Function(function), 0) = (expr, self.depth) {
                (self.f)(function);
            }
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Level { f, depth: 0 });
}
