//! datafusion-pg-catalog's rewrites of what PostgreSQL clients send, applied where they are
//! right.
//!
//! Its parser substitutes whole catalog queries of known clients (psql's `\d`, pgcli,
//! Grafana) and rewrites constructs DataFusion lacks (`::regclass`, `current_user`, ...). One
//! rule, `RemoveSubqueryFromProjection`, replaces every correlated scalar subquery of a
//! select list by NULL and adds `LIMIT 1` to the uncorrelated ones: harmless for the
//! catalog queries it was written for, silently wrong for a user's query over the
//! warehouse. So statements that read the system catalogs get the full treatment, and all
//! others every rule but that one.

mod constructs;
mod object_names;
mod subqueries;

use std::sync::Arc;

use datafusion_pg_catalog::sql::rules::{
    FixArrayLiteral, FixCollate, FixVersionColumnName, PrependUnqualifiedPgTableName,
    RemoveQualifier, RemoveUnsupportedTypes, RewriteArrayAnyAllOperation,
    RewriteRegclassCastToSubquery, SqlStatementRewriteRule,
};
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use junction_transpiler::SYSTEM_SCHEMAS;
use sqlparser::ast::{visit_relations_mut, Ident, ObjectNamePart, Statement};
use sqlparser::parser::ParserError;

/// Parses client SQL with datafusion-pg-catalog's compatibility rewrites. Its rule making
/// `current_user` a `session_user()` call is left to catalog queries: the gateway binds who the
/// client is on every engine (junction_transpiler::bind_session_values), and the rule would
/// name the column `session_user`.
#[derive(Debug)]
pub struct CompatibilityParser {
    /// Everything datafusion-pg-catalog does, for catalog queries.
    catalog: PostgresCompatibilityParser,
    /// Its rules in its order, for all others, but for `RemoveSubqueryFromProjection` and
    /// `AliasDuplicatedProjectionRewrite` (which shows the client `__alias_ward` for the
    /// `ward` of `SELECT *, ward`; junction_transpiler's result names keep such columns
    /// apart for the engine under the name PostgreSQL shows), and `ResolveUnqualifiedIdentifer`,
    /// which qualifies every bare column of WHERE and ORDER BY with the one `t.*` of the
    /// select list: `SELECT p.* FROM patients p JOIN vitals v USING (patient_id) WHERE
    /// heart_rate > 100` asked for `p.heart_rate`, which does not exist (and, where both
    /// tables have the column, read p's where PostgreSQL says it is ambiguous).
    user_rules: Vec<Arc<dyn SqlStatementRewriteRule>>,
}

impl CompatibilityParser {
    pub fn new() -> Self {
        Self {
            catalog: PostgresCompatibilityParser::new(),
            user_rules: vec![
                Arc::new(RewriteArrayAnyAllOperation),
                Arc::new(PrependUnqualifiedPgTableName),
                Arc::new(RemoveQualifier),
                Arc::new(RewriteRegclassCastToSubquery::default()),
                Arc::new(RemoveUnsupportedTypes::default()),
                Arc::new(FixArrayLiteral),
                Arc::new(FixCollate),
                Arc::new(FixVersionColumnName),
            ],
        }
    }

    /// Parses `sql` into statements (none for an empty string or a lone `;`).
    pub fn parse(&self, sql: &str) -> Result<Vec<Statement>, ParserError> {
        let Ok(mut plain) = junction_transpiler::parse(sql) else {
            // Text only the compatibility parser reads (`ABORT`).
            return Ok(self
                .catalog
                .parse(sql)?
                .into_iter()
                .map(catalog_query)
                .collect());
        };
        // Which statements read the catalogs, before the rewrites below add lookups in them.
        let catalog: Vec<bool> = plain.iter().map(reads_system_catalog).collect();
        let mut rewritten_here = false;
        for (statement, &reads_catalog) in plain.iter_mut().zip(&catalog) {
            rewritten_here |= quantified_subqueries(statement);
            // Both paths drop casts to `oid`, which would leave an OID written as text a
            // string; names cast to regclass, regproc, ... are looked up.
            rewritten_here |= junction_transpiler::number_text_oids(statement);
            rewritten_here |= object_names::resolve(statement);
            // And a relation named by a parameter for `regclass` (SQLAlchemy's
            // `CAST($1 AS REGCLASS)`) a number.
            rewritten_here |= reads_catalog && constructs::look_up_regclass_names(statement);
        }
        if !catalog.contains(&true) {
            return Ok(plain.into_iter().map(|s| self.rewrite_user(s)).collect());
        }
        if rewritten_here {
            // Rewritten from the statements, not from the text (no client query the
            // compatibility parser substitutes has such casts).
            return Ok(plain
                .into_iter()
                .zip(catalog)
                .map(|(s, reads_catalog)| {
                    if reads_catalog {
                        catalog_query(self.catalog.rewrite(s))
                    } else {
                        self.rewrite_user(s)
                    }
                })
                .collect());
        }
        // Catalog queries, which the compatibility parser may substitute whole.
        let rewritten = self.catalog.parse(sql)?;
        Ok(if plain.len() == rewritten.len() {
            plain
                .into_iter()
                .zip(rewritten)
                .zip(catalog)
                .map(|((plain, rewritten), reads_catalog)| {
                    if reads_catalog {
                        catalog_query(rewritten)
                    } else {
                        self.rewrite_user(plain)
                    }
                })
                .collect()
        } else {
            rewritten.into_iter().map(catalog_query).collect()
        })
    }

    fn rewrite_user(&self, statement: Statement) -> Statement {
        self.user_rules
            .iter()
            .fold(statement, |statement, rule| rule.rewrite(statement))
    }
}

/// A catalog query after datafusion-pg-catalog's rewrites, with junction's own for the
/// scalar subqueries DataFusion cannot plan.
fn catalog_query(mut statement: Statement) -> Statement {
    qualify_server_tables(&mut statement);
    constructs::rewrite(&mut statement);
    subqueries::rewrite(&mut statement);
    statement
}

/// `x = ANY (subquery)` as `x IN (subquery)` and `x <> ALL (subquery)` as `x NOT IN
/// (subquery)`, which they are; whether there was one. The library's rule for `= ANY` reads
/// its right side as an array (`array_has`), which a subquery is not.
fn quantified_subqueries(statement: &mut Statement) -> bool {
    use sqlparser::ast::{BinaryOperator, Expr};
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions_mut(statement, |expr| {
        let membership = match expr {
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => Some((false, left, right)),
            Expr::AllOp {
                left,
                compare_op: BinaryOperator::NotEq,
                right,
            } => Some((true, left, right)),
            _ => None,
        };
        if let Some((negated, left, right)) = membership {
            if let Expr::Subquery(subquery) = right.as_ref() {
                *expr = Expr::InSubquery {
                    expr: left.clone(),
                    subquery: subquery.clone(),
                    negated,
                };
                found = true;
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

/// Names junction's own pg_catalog tables (pg_stat_activity, pg_stat_statements) in
/// pg_catalog where the client left them unqualified, as datafusion-pg-catalog's rules do
/// for its own tables: PostgreSQL searches pg_catalog first.
fn qualify_server_tables(statement: &mut Statement) {
    let _ = visit_relations_mut(statement, |name| {
        let server_table = match name.0.as_slice() {
            [only] => only.as_ident().is_some_and(|ident| {
                junction_engines::SERVER_TABLES
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&ident.value))
            }),
            _ => false,
        };
        if server_table {
            name.0
                .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// Whether `statement` reads a system catalog relation: one qualified with `pg_catalog` or
/// `information_schema`, or an unqualified `pg_*` name (clients write `pg_class`).
fn reads_system_catalog(statement: &Statement) -> bool {
    junction_transpiler::table_references(statement)
        .iter()
        .any(|parts| match parts.as_slice() {
            [table] => table.starts_with("pg_"),
            [.., schema, _] => SYSTEM_SCHEMAS.contains(&schema.as_str()),
            [] => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(sql: &str) -> String {
        CompatibilityParser::new()
            .parse(sql)
            .expect("valid SQL")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn user_queries_keep_their_scalar_subqueries() {
        let sql = "SELECT v.patient_id, (SELECT p.ward FROM silver.patients AS p \
                   WHERE p.patient_id = v.patient_id) AS ward FROM silver.vitals AS v";
        assert_eq!(parsed(sql), sql);
        let uncorrelated = "SELECT (SELECT patient_id FROM silver.patients) AS one";
        assert_eq!(parsed(uncorrelated), uncorrelated);
    }

    #[test]
    fn user_queries_keep_bare_columns_beside_a_qualified_wildcard() {
        // heart_rate is the joined table's: qualifying it with the wildcard's `p` broke it.
        let sql = "SELECT p.* FROM silver.patients AS p JOIN silver.vitals AS v \
                   USING(patient_id) WHERE heart_rate > 100 ORDER BY heart_rate";
        assert_eq!(parsed(sql), sql);
    }

    #[test]
    fn catalog_queries_get_every_rewrite() {
        let sql = "SELECT c.relname, (SELECT n.nspname FROM pg_catalog.pg_namespace AS n \
                   WHERE n.oid = c.relnamespace) AS ns FROM pg_catalog.pg_class AS c";
        assert_eq!(
            parsed(sql),
            "SELECT c.relname, NULL AS ns FROM pg_catalog.pg_class AS c"
        );
    }

    #[test]
    fn each_statement_of_a_message_is_judged_alone() {
        let sql =
            "SELECT (SELECT p.ward FROM silver.patients AS p WHERE p.patient_id = v.patient_id) \
                   FROM silver.vitals AS v; \
                   SELECT (SELECT n.nspname FROM pg_namespace AS n WHERE n.oid = c.relnamespace) \
                   FROM pg_class AS c";
        let out = parsed(sql);
        assert!(out.contains("SELECT p.ward"), "{out}");
        assert!(
            out.ends_with("SELECT NULL FROM pg_catalog.pg_class AS c"),
            "{out}"
        );
    }

    #[test]
    fn drivers_rewrites_still_apply_to_user_queries() {
        // A name (not a parameter) cast to regclass is junction's own lookup (object_names);
        // a parameter's goes through the library's rule, which reads pg_class for it.
        let out = parsed("select $1::regclass::oid");
        assert!(out.contains("FROM pg_catalog.pg_class c"), "{out}");
        assert!(out.contains("parse_ident($1::TEXT)"), "{out}");
    }

    #[test]
    fn quantified_comparisons_with_a_subquery_are_in() {
        assert_eq!(
            parsed("select a from t where a = any(select b from u) and a <> all (select c from v)"),
            "SELECT a FROM t WHERE a IN (SELECT b FROM u) AND a NOT IN (SELECT c FROM v)"
        );
        assert_eq!(
            parsed("select a from t where a > any(select b from u)"),
            "SELECT a FROM t WHERE a > ANY(SELECT b FROM u)"
        );
    }

    #[test]
    fn current_user_keeps_its_name_in_user_queries() {
        // The session binds it; the library's rule would call it session_user().
        assert_eq!(parsed("select current_user"), "SELECT current_user");
    }
}
