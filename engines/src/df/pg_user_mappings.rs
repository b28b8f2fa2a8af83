//! pg_user_mappings (psql's `\deu`): the user mappings of foreign servers. junction has no
//! foreign servers, so the view is empty, with PostgreSQL's columns.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::error::Result;

pub const NAME: &str = "pg_user_mappings";

pub fn table() -> Result<Arc<dyn TableProvider>> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("umid", DataType::Int32, true),
        Field::new("srvid", DataType::Int32, true),
        Field::new("srvname", DataType::Utf8, true),
        Field::new("umuser", DataType::Int32, true),
        Field::new("usename", DataType::Utf8, true),
        Field::new(
            "umoptions",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
    ]));
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![]])?))
}
