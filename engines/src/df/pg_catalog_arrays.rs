//! pg_catalog's array columns as arrays.
//!
//! datafusion-pg-catalog 0.17 serves most of PostgreSQL's array-typed catalog columns
//! (`aclitem[]`, `int2vector`, `oidvector`, `text[]`, `"char"[]`) as text, in whichever
//! notation its generator wrote (`1 2`, `[1, 2]`, `['o', 'o']`), and leaves some out
//! (`pg_class.relacl`, `reloptions`). Clients call array functions on them: psql's `\dn+`
//! `array_to_string(nspacl, ...)`, SQLAlchemy's key reflection `unnest(indkey)`, and fail on
//! text. This wrapper serves each such column as a list of its element type, and the missing
//! ones as NULL lists, so those statements plan and answer as PostgreSQL's would.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, Int16Builder, Int32Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::TableProvider;
use datafusion::common::{exec_err, Column, ScalarValue};
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::logical_expr::{
    lit, ColumnarValue, Expr, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};

/// The element type of a catalog array column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Element {
    /// `int2vector`, `int2[]`: attribute numbers.
    Int2,
    /// `oidvector`, `oid[]`.
    Oid,
    /// `text[]`, `aclitem[]`, `"char"[]`.
    Text,
}

impl Element {
    fn data_type(self) -> DataType {
        match self {
            Element::Int2 => DataType::Int16,
            Element::Oid => DataType::Int32,
            Element::Text => DataType::Utf8,
        }
    }

    fn list_type(self) -> DataType {
        DataType::List(Arc::new(Field::new_list_field(self.data_type(), true)))
    }
}

use Element::{Int2, Oid, Text};

/// Array columns per catalog table, as PostgreSQL 15 types them.
const ARRAY_COLUMNS: &[(&str, &[(&str, Element)])] = &[
    ("pg_class", &[("relacl", Text), ("reloptions", Text)]),
    ("pg_namespace", &[("nspacl", Text)]),
    (
        "pg_index",
        &[
            ("indkey", Int2),
            ("indcollation", Oid),
            ("indclass", Oid),
            ("indoption", Int2),
        ],
    ),
    (
        "pg_constraint",
        &[
            ("conkey", Int2),
            ("confkey", Int2),
            ("conpfeqop", Oid),
            ("conppeqop", Oid),
            ("conffeqop", Oid),
            ("confdelsetcols", Int2),
            ("conexclop", Oid),
        ],
    ),
    (
        "pg_proc",
        &[
            ("proargtypes", Oid),
            ("proallargtypes", Oid),
            ("proargmodes", Text),
            ("proargnames", Text),
            ("proconfig", Text),
            ("proacl", Text),
        ],
    ),
    (
        "pg_attribute",
        &[
            ("attacl", Text),
            ("attoptions", Text),
            ("attfdwoptions", Text),
        ],
    ),
    ("pg_type", &[("typacl", Text)]),
    ("pg_tablespace", &[("spcacl", Text), ("spcoptions", Text)]),
    ("pg_language", &[("lanacl", Text)]),
    ("pg_db_role_setting", &[("setconfig", Text)]),
    ("pg_roles", &[("rolconfig", Text)]),
    ("pg_policy", &[("polroles", Oid)]),
    ("pg_default_acl", &[("defaclacl", Text)]),
    (
        "pg_foreign_data_wrapper",
        &[("fdwacl", Text), ("fdwoptions", Text)],
    ),
    (
        "pg_foreign_server",
        &[("srvacl", Text), ("srvoptions", Text)],
    ),
    ("pg_foreign_table", &[("ftoptions", Text)]),
    ("pg_user_mapping", &[("umoptions", Text)]),
    (
        "pg_extension",
        &[("extconfig", Oid), ("extcondition", Text)],
    ),
    ("pg_statistic_ext", &[("stxkeys", Int2), ("stxkind", Text)]),
    ("pg_trigger", &[("tgattr", Int2)]),
    ("pg_largeobject_metadata", &[("lomacl", Text)]),
    (
        "pg_partitioned_table",
        &[
            ("partattrs", Int2),
            ("partclass", Oid),
            ("partcollation", Oid),
        ],
    ),
    ("pg_event_trigger", &[("evttags", Text)]),
    ("pg_init_privs", &[("initprivs", Text)]),
];

/// Wraps `table`, named `name` in pg_catalog, when PostgreSQL types some of its columns as
/// arrays that the library serves otherwise: a view projecting each such column through
/// [`CatalogArray`], so the library still builds the table when the query runs (its OID
/// assignment depends on the order its tables are built in).
pub fn with_array_columns(
    name: &str,
    table: Arc<dyn TableProvider>,
) -> DFResult<Arc<dyn TableProvider>> {
    let Some((_, arrays)) = ARRAY_COLUMNS.iter().find(|(t, _)| *t == name) else {
        return Ok(table);
    };
    let inner = table.schema();
    let mut changed = false;
    let mut exprs: Vec<Expr> = Vec::new();
    for field in inner.fields() {
        let column = Expr::Column(Column::from_name(field.name()));
        match arrays.iter().find(|(c, _)| c == field.name()) {
            Some((_, element)) if *field.data_type() == DataType::Utf8 => {
                let parse = ScalarUDF::new_from_impl(CatalogArray::new(*element));
                exprs.push(parse.call(vec![column]).alias(field.name()));
                changed = true;
            }
            _ => exprs.push(column),
        }
    }
    for (column, element) in arrays.iter() {
        if inner.index_of(column).is_err() {
            let null = ScalarValue::try_from(element.list_type())?;
            exprs.push(lit(null).alias(*column));
            changed = true;
        }
    }
    if !changed {
        return Ok(table);
    }
    let plan = LogicalPlanBuilder::scan(name, provider_as_source(table), None)?
        .project(exprs)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

/// Parses a catalog column's text into a list of its element type.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CatalogArray {
    element: Element,
    signature: Signature,
}

impl CatalogArray {
    fn new(element: Element) -> Self {
        Self {
            element,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for CatalogArray {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "junction_catalog_array"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DFResult<DataType> {
        Ok(self.element.list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DFResult<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return exec_err!("junction_catalog_array takes one argument");
        };
        let text = text.to_array(args.number_rows)?;
        Ok(ColumnarValue::Array(parse_column(&text, self.element)?))
    }
}

fn parse_column(column: &ArrayRef, element: Element) -> DFResult<ArrayRef> {
    let Some(text) = column.as_string_opt::<i32>() else {
        return Ok(Arc::clone(column));
    };
    let items = text.iter().map(|value| value.map(array_items));
    fn build<B, T>(
        items: impl Iterator<Item = Option<Vec<Option<String>>>>,
        values: B,
        mut push: impl FnMut(&mut B, Option<String>) -> DFResult<T>,
    ) -> DFResult<ArrayRef>
    where
        B: datafusion::arrow::array::ArrayBuilder,
    {
        let mut list = ListBuilder::new(values);
        for value in items {
            match value {
                Some(elements) => {
                    for e in elements {
                        push(list.values(), e)?;
                    }
                    list.append(true);
                }
                None => list.append(false),
            }
        }
        Ok(Arc::new(list.finish()))
    }
    let number = |e: &str| {
        DataFusionError::Execution(format!("catalog array element {e:?} is not a number"))
    };
    match element {
        Element::Text => build(items, StringBuilder::new(), |b, e| {
            b.append_option(e);
            Ok(())
        }),
        Element::Int2 => build(items, Int16Builder::new(), |b, e| {
            let v = e
                .map(|e| e.parse::<i16>().map_err(|_| number(&e)))
                .transpose()?;
            b.append_option(v);
            Ok(())
        }),
        Element::Oid => build(items, Int32Builder::new(), |b, e| {
            // OIDs are unsigned in PostgreSQL and int4 in this pg_catalog.
            let v = e
                .map(|e| e.parse::<u32>().map(|o| o as i32).map_err(|_| number(&e)))
                .transpose()?;
            b.append_option(v);
            Ok(())
        }),
    }
}

/// The elements of an array written as PostgreSQL writes a vector (`1 2`), an array
/// (`{a,"b c",NULL}`), or as the library's generator did (`[1, 2]`, `['o', 'o']`).
pub(crate) fn array_items(text: &str) -> Vec<Option<String>> {
    let text = text.trim();
    let (body, quotes, separator) =
        if let Some(body) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            (body, &['"'][..], ',')
        } else if let Some(body) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            (body, &['\'', '"'][..], ',')
        } else {
            return text
                .split_whitespace()
                .map(|e| Some(e.to_owned()))
                .collect();
        };
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_quote: Option<char> = None;
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match in_quote {
            Some(q) if c == q => in_quote = None,
            Some(_) if c == '\\' => current.extend(chars.next()),
            Some(_) => current.push(c),
            None if quotes.contains(&c) => {
                // Spaces between a separator and the quote are not the element's.
                if current.trim().is_empty() {
                    current.clear();
                }
                in_quote = Some(c);
                quoted = true;
            }
            None if c == separator => {
                items.push(item(&current, quoted));
                current.clear();
                quoted = false;
            }
            None => current.push(c),
        }
    }
    if !current.trim().is_empty() || quoted {
        items.push(item(&current, quoted));
    }
    items
}

fn item(text: &str, quoted: bool) -> Option<String> {
    if quoted {
        return Some(text.to_owned());
    }
    let text = text.trim();
    (!text.eq_ignore_ascii_case("null") && !text.eq_ignore_ascii_case("none"))
        .then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, Int16Array, ListArray, StringArray};
    use datafusion::arrow::datatypes::Int16Type;

    use super::*;

    fn items(text: &str) -> Vec<Option<String>> {
        array_items(text)
    }

    fn some(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some(v.to_string())).collect()
    }

    #[test]
    fn every_notation_reads_as_its_elements() {
        assert_eq!(items("1 2"), some(&["1", "2"]));
        assert_eq!(items("[1, 2]"), some(&["1", "2"]));
        assert_eq!(items("['o', 'o']"), some(&["o", "o"]));
        assert_eq!(items("['a b', ' c']"), some(&["a b", " c"]));
        assert_eq!(
            items("{a,\"b, c\",NULL}"),
            vec![Some("a".into()), Some("b, c".into()), None]
        );
        assert_eq!(items("{}"), some(&[]));
        assert_eq!(items("[]"), some(&[]));
        assert_eq!(items(""), some(&[]));
        assert_eq!(items("{\"\"}"), some(&[""]));
    }

    #[test]
    fn text_columns_become_lists_of_their_element() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("1 3"), None, Some("[2]")]));
        let parsed = parse_column(&text, Element::Int2).expect("numbers");
        let list = parsed.as_any().downcast_ref::<ListArray>().expect("a list");
        assert!(list.is_null(1));
        let first = list.value(0);
        assert_eq!(
            first.as_primitive::<Int16Type>(),
            &Int16Array::from(vec![1, 3])
        );
        let bad: ArrayRef = Arc::new(StringArray::from(vec![Some("x")]));
        assert!(parse_column(&bad, Element::Int2).is_err());
    }
}
