//! `has_table_privilege`, `has_schema_privilege`, `has_database_privilege` and
//! `has_any_column_privilege` for a session whose catalogs are read through grants: true
//! only for what the grants reach. datafusion-pg-catalog's own answer true for everything,
//! which is right only where every user sees everything (no `[[grant]]`).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanBuilder, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::cast::as_string_array;
use datafusion::error::Result as DFResult;
use datafusion::execution::session_state::SessionState;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use junction_catalogs::Grants;

use crate::{QueryContext, Result};

/// What a privilege function asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Object {
    Table,
    Schema,
    Database,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct HasPrivilege {
    name: &'static str,
    object: Object,
    signature: Signature,
    grants: Arc<Grants>,
    catalog: String,
    search_path: Vec<String>,
}

/// Registers the grant-aware privilege functions for `ctx` when its catalogs are read
/// through grants.
pub fn register(state: &mut SessionState, ctx: &QueryContext) -> Result<()> {
    let Some(grants) = ctx.catalogs.grants() else {
        return Ok(());
    };
    for (name, object) in [
        ("has_table_privilege", Object::Table),
        ("has_any_column_privilege", Object::Table),
        ("has_schema_privilege", Object::Schema),
        ("has_database_privilege", Object::Database),
    ] {
        let udf = HasPrivilege {
            name,
            object,
            // (object, privilege), or (user, object, privilege) as the library takes them.
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8, DataType::Utf8]),
                    TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8]),
                ],
                Volatility::Stable,
            ),
            grants: Arc::clone(grants),
            catalog: ctx.catalog.clone(),
            search_path: ctx.search_path.clone(),
        };
        state.register_udf(Arc::new(ScalarUDF::new_from_impl(udf)))?;
    }
    Ok(())
}

/// A name as PostgreSQL reads it from text: quoted parts as written, others folded.
fn name_parts(text: &str) -> Vec<String> {
    text.split('.')
        .map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.to_owned(),
                None => part.trim().to_lowercase(),
            },
        )
        .collect()
}

impl HasPrivilege {
    fn allows(&self, object: &str) -> bool {
        let parts = name_parts(object);
        match (self.object, parts.as_slice()) {
            (Object::Database, [database]) => self.grants.catalog(database),
            (Object::Schema, [schema]) => self.grants.schema(&self.catalog, schema),
            (Object::Table, [table]) => self
                .search_path
                .iter()
                .any(|schema| self.grants.table(&self.catalog, schema, table)),
            (Object::Table, [schema, table]) => self.grants.table(&self.catalog, schema, table),
            (Object::Table, [catalog, schema, table]) => self.grants.table(catalog, schema, table),
            _ => false,
        }
    }
}

impl ScalarUDFImpl for HasPrivilege {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DFResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DFResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        // The object is the argument before the privilege.
        let objects: &StringArray = as_string_array(&arrays[arrays.len() - 2])?;
        let mut out = BooleanBuilder::with_capacity(objects.len());
        for object in objects.iter() {
            out.append_option(object.map(|o| self.allows(o)));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use junction_catalogs::Grant;

    fn gold_only(object: Object) -> HasPrivilege {
        HasPrivilege {
            name: "has_table_privilege",
            object,
            signature: Signature::variadic_any(Volatility::Stable),
            grants: Arc::new(Grants::new(vec![Grant {
                catalog: "warehouse".into(),
                schema: Some("gold".into()),
                tables: None,
            }])),
            catalog: "warehouse".into(),
            search_path: vec!["silver".into(), "gold".into()],
        }
    }

    #[test]
    fn only_granted_objects_are_allowed() {
        let table = gold_only(Object::Table);
        assert!(table.allows("gold.vitals_hourly"));
        assert!(table.allows("\"gold\".VITALS_HOURLY"));
        assert!(table.allows("warehouse.gold.t"));
        assert!(
            table.allows("vitals_hourly"),
            "found through the search path"
        );
        assert!(!table.allows("silver.vitals"));
        assert!(!table.allows("lake.gold.t"));
        assert!(!table.allows("\"GOLD\".t"), "a quoted name is as written");
        assert!(gold_only(Object::Schema).allows("gold"));
        assert!(!gold_only(Object::Schema).allows("silver"));
        assert!(gold_only(Object::Database).allows("warehouse"));
        assert!(!gold_only(Object::Database).allows("lake"));
    }
}
