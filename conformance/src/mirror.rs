//! Copies junction's tables into the reference PostgreSQL, so that the corpus runs over the
//! same rows on both sides. The rows travel as junction's text output through COPY, which
//! also checks that PostgreSQL accepts every value junction renders.

use bytes::Bytes;
use futures::SinkExt;
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

/// A type name PostgreSQL understands in CREATE TABLE.
fn sql_type(ty: &Type) -> String {
    match ty.kind() {
        Kind::Array(element) => format!("{}[]", element.name()),
        _ => ty.name().to_owned(),
    }
}

/// COPY's text format: backslash escapes, `\N` for NULL.
fn copy_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        out.push_str("\\N");
        return;
    };
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ch => out.push(ch),
        }
    }
}

/// Copies `schema.table` from `junction` into `postgres`, creating the schema and table.
pub async fn copy_table(
    junction: &Client,
    postgres: &Client,
    schema: &str,
    table: &str,
) -> Result<u64, tokio_postgres::Error> {
    let select = format!("SELECT * FROM \"{schema}\".\"{table}\"");
    let statement = junction.prepare(&select).await?;
    let columns = statement
        .columns()
        .iter()
        .map(|c| format!("\"{}\" {}", c.name(), sql_type(c.type_())))
        .collect::<Vec<_>>()
        .join(", ");
    postgres
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; CREATE TABLE \"{schema}\".\"{table}\" ({columns})"
        ))
        .await?;

    let sink = postgres
        .copy_in::<_, Bytes>(&format!("COPY \"{schema}\".\"{table}\" FROM STDIN"))
        .await?;
    futures::pin_mut!(sink);
    let mut chunk = String::new();
    for message in junction.simple_query(&select).await? {
        if let SimpleQueryMessage::Row(row) = message {
            for i in 0..row.len() {
                if i > 0 {
                    chunk.push('\t');
                }
                copy_field(&mut chunk, row.get(i));
            }
            chunk.push('\n');
            if chunk.len() > 1 << 20 {
                sink.send(Bytes::from(std::mem::take(&mut chunk))).await?;
            }
        }
    }
    sink.send(Bytes::from(chunk)).await?;
    sink.finish().await
}

/// Copies every table junction lists in `schemas` and returns their names with row counts.
pub async fn copy_schemas(
    junction: &Client,
    postgres: &Client,
    schemas: &[&str],
) -> Result<Vec<(String, u64)>, tokio_postgres::Error> {
    let mut copied = Vec::new();
    for schema in schemas {
        let listing = format!(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = '{schema}' ORDER BY table_name"
        );
        for message in junction.simple_query(&listing).await? {
            if let SimpleQueryMessage::Row(row) = message {
                let Some(table) = row.get(0) else { continue };
                let rows = copy_table(junction, postgres, schema, table).await?;
                copied.push((format!("{schema}.{table}"), rows));
            }
        }
    }
    Ok(copied)
}
