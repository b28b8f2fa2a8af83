//! PostgreSQL constructs of client catalog queries that DataFusion lacks, written with what it
//! has and the same answer.
//!
//! - `ARRAY(SELECT e FROM ... [ORDER BY o])` (psql's `\du`, `\dp`, `\d+`): over a table
//!   junction never fills, or `unnest` of a column it always leaves NULL, it is the empty
//!   array; `ARRAY(SELECT x FROM unnest(a) AS t(x))` is `a` (DataFusion plans no correlated
//!   `unnest` in FROM); other plain ones are the transpiler's
//!   [`junction_transpiler::array_of_subquery`], which every DataFusion statement gets.
//! - `generate_subscripts(a, 1)` beside `unnest(a)` (SQLAlchemy's key and index reflection):
//!   the subscripts of `a`, which start at 0 for the catalog's vectors (`int2vector`,
//!   `oidvector`) and at 1 for its arrays. Becomes `unnest(range(lower, lower +
//!   cardinality(a)))`, which DataFusion zips with the other `unnest` as PostgreSQL does.
//! - `x.tableoid` (psql's `\dd`, `\dL`): the system column naming a row's table, which for a
//!   catalog table is that table's fixed OID.
//! - `information_schema._pg_expandarray(a)` (pgJDBC's key and index reflection): its
//!   `(x, n)` records, as `unnest` of the engine's list of them; and `(record).field`, which
//!   DataFusion reads only of a column name, as `get_field(record, 'field')`.
//! - A parameter passed to a catalog function (SQLAlchemy's `pg_get_constraintdef(oid, $1)`):
//!   typed as PostgreSQL types that argument, where the engine's signature leaves it unknown.
//! - `CAST($1 AS regclass)` of a name (SQLAlchemy binds `'pg_catalog.pg_constraint'`): the
//!   relation's OID, looked up in pg_class by datafusion-pg-catalog's rule for `::regclass::oid`.
//!   Dropping the cast, as for an OID, would make the parameter a number its text is not.

use std::ops::ControlFlow;

use datafusion_pg_catalog::sql::rules::{RewriteRegclassCastToSubquery, SqlStatementRewriteRule};
use sqlparser::ast::{
    visit_expressions_mut, AccessExpr, BinaryOperator, CastKind, DataType, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList, FunctionArguments,
    GroupByExpr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Statement,
    TableFactor, Value,
};

/// Catalog columns of type `int2vector` or `oidvector`, whose subscripts start at 0.
const VECTORS: &[&str] = &[
    "indkey",
    "indclass",
    "indcollation",
    "indoption",
    "stxkeys",
    "tgattr",
    "partattrs",
    "partclass",
    "partcollation",
    "proargtypes",
    "prattrs",
];

/// The OIDs of PostgreSQL's catalog tables: fixed in its source (`catalog/pg_*.h`) and the
/// same in every release, and the ones the pg_catalog's own rows (`pg_description.classoid`,
/// `pg_depend.classid`) refer to.
pub(super) const CATALOG_OIDS: &[(&str, u32)] = &[
    ("pg_aggregate", 2600),
    ("pg_am", 2601),
    ("pg_amop", 2602),
    ("pg_amproc", 2603),
    ("pg_attrdef", 2604),
    ("pg_attribute", 1249),
    ("pg_authid", 1260),
    ("pg_auth_members", 1261),
    ("pg_cast", 2605),
    ("pg_class", 1259),
    ("pg_collation", 3456),
    ("pg_constraint", 2606),
    ("pg_conversion", 2607),
    ("pg_database", 1262),
    ("pg_default_acl", 826),
    ("pg_depend", 2608),
    ("pg_description", 2609),
    ("pg_enum", 3501),
    ("pg_event_trigger", 3466),
    ("pg_extension", 3079),
    ("pg_foreign_data_wrapper", 2328),
    ("pg_foreign_server", 1417),
    ("pg_foreign_table", 3118),
    ("pg_index", 2610),
    ("pg_inherits", 2611),
    ("pg_language", 2612),
    ("pg_largeobject", 2613),
    ("pg_largeobject_metadata", 2995),
    ("pg_namespace", 2615),
    ("pg_opclass", 2616),
    ("pg_operator", 2617),
    ("pg_opfamily", 2753),
    ("pg_policy", 3256),
    ("pg_proc", 1255),
    ("pg_publication", 6104),
    ("pg_range", 3541),
    ("pg_rewrite", 2618),
    ("pg_sequence", 2224),
    ("pg_statistic_ext", 3381),
    ("pg_subscription", 6100),
    ("pg_tablespace", 1213),
    ("pg_transform", 3576),
    ("pg_trigger", 2620),
    ("pg_ts_config", 3602),
    ("pg_ts_dict", 3600),
    ("pg_ts_parser", 3601),
    ("pg_ts_template", 3764),
    ("pg_type", 1247),
    ("pg_user_mapping", 1418),
];

/// Applies the rewrites to `statement`, a catalog query.
pub fn rewrite(statement: &mut Statement) {
    let tables = catalog_aliases(statement);
    let _ = visit_expressions_mut(statement, |expr| {
        typed_parameters(expr);
        if let Some(replacement) = array_of_subquery(expr)
            .or_else(|| subscripts(expr))
            .or_else(|| expanded_array(expr))
            .or_else(|| record_field(expr))
            .or_else(|| table_oid(expr, &tables))
            .or_else(|| table_visibility(expr))
        {
            *expr = replacement;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Looks up each `CAST(x AS regclass)` of a parameter or a name in pg_catalog.pg_class, with
/// datafusion-pg-catalog's rule for `x::regclass::oid`; whether there was one. Runs before
/// the library's other rules, which would drop the cast.
pub fn look_up_regclass_names(statement: &mut Statement) -> bool {
    let found = regclass_of_names(statement);
    if found {
        *statement = RewriteRegclassCastToSubquery::default().rewrite(statement.clone());
    }
    found
}

/// Makes each `CAST(x AS regclass)` of a parameter or a name `x::regclass::oid`, the form
/// datafusion-pg-catalog's rule looks up; whether there was one.
fn regclass_of_names(statement: &mut Statement) -> bool {
    let mut found = false;
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::Cast {
            data_type,
            expr: operand,
            ..
        } = expr
        {
            let regclass = matches!(
                data_type.to_string().to_ascii_lowercase().as_str(),
                "regclass" | "pg_catalog.regclass"
            );
            let name = match &operand.as_ref() {
                Expr::Value(v) => match &v.value {
                    Value::Placeholder(_) => true,
                    Value::SingleQuotedString(s) => s.parse::<u32>().is_err(),
                    _ => false,
                },
                _ => false,
            };
            if regclass && name {
                let inner = Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: operand.clone(),
                    data_type: data_type.clone(),
                    array: false,
                    format: None,
                };
                *expr = Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: Box::new(inner),
                    data_type: DataType::Custom(name_of("oid"), Vec::new()),
                    array: false,
                    format: None,
                };
                found = true;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

fn name_of(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

fn call(function: &str, args: Vec<Expr>, clauses: Vec<FunctionArgumentClause>) -> Expr {
    Expr::Function(Function {
        name: name_of(function),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                .collect(),
            clauses,
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// The bare name of a function call without qualifier, or `pg_catalog.`-qualified.
fn function_name(function: &Function) -> Option<String> {
    let parts: Vec<&Ident> = function
        .name
        .0
        .iter()
        .map(|p| p.as_ident())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [name] => Some(name.value.to_ascii_lowercase()),
        [schema, name] if schema.value.eq_ignore_ascii_case("pg_catalog") => {
            Some(name.value.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// `pg_table_is_visible(oid)` (psql's `\dt`, `\d` and `\dp` without a pattern, its tab
/// completion): whether the relation is found by its bare name, that is its schema is on the
/// session's search path and no schema before it there holds a relation of that name.
/// datafusion-pg-catalog's function answers true for every relation, so `\dt` listed
/// tables no unqualified name reaches.
fn table_visibility(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    if function_name(function)? != "pg_table_is_visible" {
        return None;
    }
    let args = unnamed_args(function)?;
    let [oid] = args.as_slice() else {
        return None;
    };
    Some(super::object_names::parsed_expr(&format!(
        "({oid}) IN (SELECT visible.oid FROM (SELECT c.oid, row_number() OVER (\
         PARTITION BY c.relname ORDER BY array_position(current_schemas(false), n.nspname)) \
         AS place FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE array_position(current_schemas(false), n.nspname) IS NOT NULL) visible \
         WHERE visible.place = 1)"
    )))
}

/// `ARRAY(subquery)` of a catalog query: the shortcuts above, then the transpiler's rule.
fn array_of_subquery(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let FunctionArguments::Subquery(query) = &function.args else {
        return None;
    };
    if function_name(function)? != "array" {
        return None;
    }
    if super::subqueries::reads_only_empty_tables(query) {
        return Some(junction_transpiler::empty_array());
    }
    if let Some(array) = unnested(query) {
        return Some(array);
    }
    junction_transpiler::array_of_subquery(expr)
}

/// pg_catalog columns junction adds and always leaves NULL (see engines' pg_catalog_arrays).
const ALWAYS_NULL: [&str; 2] = ["relacl", "reloptions"];

/// `ARRAY(SELECT x FROM unnest(a) AS t(x))` as `coalesce(a, make_array())`, and any select
/// from `unnest` of an always-NULL column as the empty array.
fn unnested(query: &Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [from] = select.from.as_slice() else {
        return None;
    };
    let TableFactor::Table {
        name, args, alias, ..
    } = &from.relation
    else {
        return None;
    };
    let unnest = matches!(
        name.0.last().and_then(|p| p.as_ident()),
        Some(i) if i.value.eq_ignore_ascii_case("unnest")
    );
    let args = args.as_ref()?;
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(array))] = args.args.as_slice() else {
        return None;
    };
    if !unnest || !from.joins.is_empty() {
        return None;
    }
    let column = match array {
        Expr::Identifier(i) => Some(i),
        Expr::CompoundIdentifier(parts) => parts.last(),
        _ => None,
    };
    if column.is_some_and(|c| ALWAYS_NULL.iter().any(|n| c.value.eq_ignore_ascii_case(n))) {
        return Some(junction_transpiler::empty_array());
    }
    // The element's name: the column alias, else the table alias (PostgreSQL names a scalar
    // function's single column after its alias).
    let alias = alias.as_ref()?;
    let element = alias.columns.first().map_or(&alias.name, |c| &c.name);
    let identity = matches!(
        select.projection.as_slice(),
        [SelectItem::UnnamedExpr(Expr::Identifier(i))] if i.value == element.value
    );
    let plain = select.selection.is_none()
        && query.order_by.is_none()
        && query.limit_clause.is_none()
        && select.distinct.is_none()
        && matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    (identity && plain).then(|| {
        call(
            "coalesce",
            vec![array.clone(), junction_transpiler::empty_array()],
            Vec::new(),
        )
    })
}

fn unnamed_args(function: &Function) -> Option<Vec<&Expr>> {
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    list.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect()
}

/// `generate_subscripts(a, dim)` as the subscripts of `a`'s one dimension (none for another
/// `dim`: the catalog's arrays have one).
fn subscripts(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    if function_name(function)? != "generate_subscripts" {
        return None;
    }
    let args = unnamed_args(function)?;
    let [array, dimension] = args.as_slice() else {
        return None;
    };
    let column = match array {
        Expr::Identifier(i) => Some(i),
        Expr::CompoundIdentifier(parts) => parts.last(),
        _ => None,
    };
    let lower =
        u8::from(!column.is_some_and(|c| VECTORS.iter().any(|v| c.value.eq_ignore_ascii_case(v))));
    let lower = Expr::value(Value::Number(lower.to_string(), false));
    let upper = Expr::BinaryOp {
        left: Box::new(lower.clone()),
        op: BinaryOperator::Plus,
        right: Box::new(call("cardinality", vec![(*array).clone()], Vec::new())),
    };
    let range = Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: None,
        conditions: vec![sqlparser::ast::CaseWhen {
            condition: Expr::BinaryOp {
                left: Box::new((*dimension).clone()),
                op: BinaryOperator::Eq,
                right: Box::new(Expr::value(Value::Number("1".into(), false))),
            },
            result: call("range", vec![lower, upper], Vec::new()),
        }],
        else_result: None,
    };
    Some(call("unnest", vec![range], Vec::new()))
}

/// Catalog functions' argument types, where a parameter passed to them needs one: `None`
/// for an argument whose parameter the engine types by itself.
const ARGUMENT_TYPES: &[(&str, &[Option<DataType>])] = &[
    ("pg_get_constraintdef", &[None, Some(DataType::Boolean)]),
    (
        "pg_get_indexdef",
        &[None, Some(DataType::Int(None)), Some(DataType::Boolean)],
    ),
    ("pg_get_expr", &[None, None, Some(DataType::Boolean)]),
    ("pg_get_viewdef", &[None, Some(DataType::Boolean)]),
    ("format_type", &[None, Some(DataType::Int(None))]),
    ("col_description", &[None, Some(DataType::Int(None))]),
];

/// Casts each parameter passed to a function of [`ARGUMENT_TYPES`] to its argument's type.
fn typed_parameters(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    let Some(name) = function_name(function) else {
        return;
    };
    let Some((_, types)) = ARGUMENT_TYPES.iter().find(|(f, _)| *f == name) else {
        return;
    };
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    for (arg, data_type) in list.args.iter_mut().zip(types.iter()) {
        let (FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)), Some(data_type)) = (arg, data_type)
        else {
            continue;
        };
        if matches!(arg, Expr::Value(v) if matches!(v.value, Value::Placeholder(_))) {
            *arg = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(arg.clone()),
                data_type: data_type.clone(),
                array: false,
                format: None,
            };
        }
    }
}

/// `information_schema._pg_expandarray(a)` as `unnest(junction_pg_expandarray(a))`.
fn expanded_array(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let parts: Vec<&str> = function
        .name
        .0
        .iter()
        .map(|p| p.as_ident().map(|i| i.value.as_str()))
        .collect::<Option<_>>()?;
    let (["_pg_expandarray"] | [_, "_pg_expandarray"]) = parts.as_slice() else {
        return None;
    };
    let args = unnamed_args(function)?;
    let [array] = args.as_slice() else {
        return None;
    };
    let records = call(
        junction_engines::PG_EXPANDARRAY_FUNCTION,
        vec![(*array).clone()],
        Vec::new(),
    );
    Some(call("unnest", vec![records], Vec::new()))
}

/// `(expr).a.b` as `get_field(get_field(expr, 'a'), 'b')`.
fn record_field(expr: &Expr) -> Option<Expr> {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return None;
    };
    if !matches!(root.as_ref(), Expr::Nested(_)) {
        return None;
    }
    let mut record = root.as_ref().clone();
    for access in access_chain {
        let AccessExpr::Dot(Expr::Identifier(field)) = access else {
            return None;
        };
        let name = Expr::value(Value::SingleQuotedString(junction_transpiler::fold(field)));
        record = call("get_field", vec![record, name], Vec::new());
    }
    Some(record)
}

/// The catalog tables `statement` reads, by the name each is referred to with.
fn catalog_aliases(statement: &Statement) -> Vec<(String, u32)> {
    use sqlparser::ast::Visit;
    struct Factors<'a>(&'a mut Vec<(String, u32)>);
    impl sqlparser::ast::Visitor for Factors<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { alias, .. } = factor {
                let table = match junction_transpiler::table_name_parts(factor).as_deref() {
                    Some([table]) => table.clone(),
                    Some([.., schema, table]) if schema == "pg_catalog" => table.clone(),
                    _ => return ControlFlow::Continue(()),
                };
                if let Some((_, oid)) = CATALOG_OIDS.iter().find(|(t, _)| *t == table) {
                    let reference = alias
                        .as_ref()
                        .map_or(table, |a| junction_transpiler::fold(&a.name));
                    self.0.push((reference, *oid));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut tables = Vec::new();
    let _ = statement.visit(&mut Factors(&mut tables));
    tables
}

/// `<table>.tableoid` for a catalog table the statement reads.
fn table_oid(expr: &Expr, tables: &[(String, u32)]) -> Option<Expr> {
    let Expr::CompoundIdentifier(parts) = expr else {
        return None;
    };
    let [.., table, column] = parts.as_slice() else {
        return None;
    };
    if !column.value.eq_ignore_ascii_case("tableoid") {
        return None;
    }
    let table = junction_transpiler::fold(table);
    let (_, oid) = tables.iter().find(|(reference, _)| *reference == table)?;
    Some(Expr::value(Value::Number(oid.to_string(), false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        rewrite(&mut statement);
        statement.to_string()
    }

    #[test]
    fn a_relation_is_visible_as_the_search_path_finds_it() {
        let out = rewritten(
            "SELECT c.relname FROM pg_catalog.pg_class c \
             WHERE pg_catalog.pg_table_is_visible(c.oid)",
        );
        assert!(
            out.contains("WHERE (c.oid) IN (SELECT visible.oid FROM (SELECT c.oid, row_number()"),
            "{out}"
        );
        assert!(
            out.contains("ORDER BY array_position(current_schemas(false), n.nspname)"),
            "{out}"
        );
        assert!(!out.contains("pg_table_is_visible"), "{out}");
    }

    #[test]
    fn array_of_a_subquery_is_an_aggregate_that_is_empty_without_rows() {
        assert_eq!(
            rewritten(
                "SELECT r.rolname, ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members AS m \
                 JOIN pg_catalog.pg_roles AS b ON (m.roleid = b.oid) WHERE m.member = r.oid) \
                 AS memberof FROM pg_catalog.pg_roles AS r"
            ),
            "SELECT r.rolname, coalesce((SELECT array_agg(b.rolname) \
             FROM pg_catalog.pg_auth_members AS m JOIN pg_catalog.pg_roles AS b \
             ON (m.roleid = b.oid) WHERE m.member = r.oid), make_array()) AS memberof \
             FROM pg_catalog.pg_roles AS r"
        );
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT rolname FROM pg_roles ORDER BY 1 DESC)"),
            "SELECT coalesce((SELECT array_agg(rolname ORDER BY rolname DESC) FROM pg_roles), \
             make_array())"
        );
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT polname FROM pg_catalog.pg_policy AS pol)"),
            "SELECT make_array()"
        );
        assert_eq!(
            rewritten(
                "SELECT array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x) \
                 FROM pg_class AS tc"
            ),
            "SELECT make_array() FROM pg_class AS tc"
        );
        assert_eq!(
            rewritten(
                "SELECT array(select x from pg_catalog.unnest(evttags) as t(x)) \
                 FROM pg_catalog.pg_event_trigger AS e"
            ),
            "SELECT coalesce(evttags, make_array()) FROM pg_catalog.pg_event_trigger AS e"
        );
        // What an aggregate cannot say the same way stays as it is.
        let limited = "SELECT ARRAY(SELECT rolname FROM pg_roles LIMIT 1)";
        assert_eq!(rewritten(limited), limited);
    }

    #[test]
    fn subscripts_start_where_the_column_type_starts_them() {
        assert_eq!(
            rewritten(
                "SELECT unnest(i.indkey), generate_subscripts(i.indkey, 1) FROM pg_index AS i"
            ),
            "SELECT unnest(i.indkey), unnest(CASE WHEN 1 = 1 THEN range(0, 0 + \
             cardinality(i.indkey)) END) FROM pg_index AS i"
        );
        assert_eq!(
            rewritten("SELECT generate_subscripts(c.conkey, $1) FROM pg_constraint AS c"),
            "SELECT unnest(CASE WHEN $1 = 1 THEN range(1, 1 + cardinality(c.conkey)) END) \
             FROM pg_constraint AS c"
        );
    }

    #[test]
    fn tableoid_of_a_catalog_table_is_its_fixed_oid() {
        assert_eq!(
            rewritten(
                "SELECT d.description FROM pg_catalog.pg_constraint AS pgc JOIN \
                 pg_catalog.pg_description AS d ON d.classoid = pgc.tableoid"
            ),
            "SELECT d.description FROM pg_catalog.pg_constraint AS pgc JOIN \
             pg_catalog.pg_description AS d ON d.classoid = 2606"
        );
        let other = "SELECT v.tableoid FROM silver.vitals AS v";
        assert_eq!(rewritten(other), other);
    }

    #[test]
    fn expanded_arrays_are_records_of_an_unnested_list() {
        assert_eq!(
            rewritten(
                "SELECT (information_schema._pg_expandarray(i.indkey)).n AS key_seq, \
                 information_schema._pg_expandarray(i.indkey) AS keys FROM pg_index AS i"
            ),
            "SELECT get_field((unnest(junction_pg_expandarray(i.indkey))), 'n') AS key_seq, \
             unnest(junction_pg_expandarray(i.indkey)) AS keys FROM pg_index AS i"
        );
        assert_eq!(
            rewritten("SELECT r.a FROM t AS r WHERE r.a = (r.keys).x"),
            "SELECT r.a FROM t AS r WHERE r.a = get_field((r.keys), 'x')"
        );
    }

    #[test]
    fn parameters_of_catalog_functions_get_their_argument_types() {
        assert_eq!(
            rewritten("SELECT pg_catalog.pg_get_constraintdef(c.oid, $1) FROM pg_constraint AS c"),
            "SELECT pg_catalog.pg_get_constraintdef(c.oid, CAST($1 AS BOOLEAN)) \
             FROM pg_constraint AS c"
        );
    }

    #[test]
    fn regclass_of_a_name_is_looked_up() {
        let looked_up = |sql: &str| {
            let mut statement = junction_transpiler::parse(sql).expect("valid").remove(0);
            look_up_regclass_names(&mut statement);
            statement.to_string()
        };
        let out = looked_up(
            "SELECT d.description FROM pg_catalog.pg_description AS d \
             WHERE d.classoid = CAST($1 AS REGCLASS)",
        );
        assert!(out.contains("parse_ident($1::TEXT)"), "{out}");
        // An OID written as text stays the number it is.
        let number = "SELECT CAST('2606' AS REGCLASS)";
        assert_eq!(looked_up(number), number);
    }
}
