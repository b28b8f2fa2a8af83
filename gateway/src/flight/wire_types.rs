//! Arrow types as Flight SQL clients read them.
//!
//! DataFusion produces string and binary views (`Utf8View`, `BinaryView`); the Flight SQL JDBC
//! driver (Arrow Java 18, what DBeaver loads) refuses them ("Unsupported ArrowType Utf8View")
//! as do other clients built on Arrow releases older than the view types. Flight answers carry
//! the classic types instead: the schemas announced (GetFlightInfo, prepared statements,
//! GetTables) say `Utf8` and `Binary`, and `results::conformed` casts each batch's view
//! columns to them as it passes.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use junction_engines::Described;

/// `data_type` with every view type, however nested, replaced by its classic type.
pub fn classic(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        DataType::List(item) => DataType::List(classic_field(item)),
        DataType::ListView(item) => DataType::List(classic_field(item)),
        DataType::LargeList(item) => DataType::LargeList(classic_field(item)),
        DataType::LargeListView(item) => DataType::LargeList(classic_field(item)),
        DataType::FixedSizeList(item, n) => DataType::FixedSizeList(classic_field(item), *n),
        DataType::Struct(fields) => DataType::Struct(classic_fields(fields)),
        DataType::Map(entries, sorted) => DataType::Map(classic_field(entries), *sorted),
        other => other.clone(),
    }
}

fn classic_field(field: &FieldRef) -> FieldRef {
    Arc::new(Field::clone(field).with_data_type(classic(field.data_type())))
}

fn classic_fields(fields: &Fields) -> Fields {
    fields.iter().map(classic_field).collect()
}

/// `schema` in classic types (the same `Arc` when it has no view type).
pub fn classic_schema(schema: &SchemaRef) -> SchemaRef {
    if schema
        .fields()
        .iter()
        .all(|f| classic(f.data_type()) == *f.data_type())
    {
        return Arc::clone(schema);
    }
    Arc::new(Schema::new_with_metadata(
        classic_fields(schema.fields()),
        schema.metadata().clone(),
    ))
}

/// A statement's description as Flight announces it.
pub fn classic_described(mut described: Described) -> Described {
    described.schema = classic_schema(&described.schema);
    described.parameters = described
        .parameters
        .into_iter()
        .map(|p| p.map(|t| classic(&t)))
        .collect();
    described
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_become_classic_types_at_any_depth() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("s", DataType::Utf8View, true),
            Field::new("b", DataType::BinaryView, false),
            Field::new(
                "l",
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8View, true))),
                true,
            ),
            Field::new("n", DataType::Int64, true),
        ]));
        let classic = classic_schema(&schema);
        let types: Vec<&DataType> = classic.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            [
                &DataType::Utf8,
                &DataType::Binary,
                &DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
                &DataType::Int64
            ]
        );
        assert!(!classic.field(1).is_nullable());
        let plain: SchemaRef = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
        assert!(Arc::ptr_eq(&classic_schema(&plain), &plain));
    }
}
