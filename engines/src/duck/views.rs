//! The view through which DuckDB reads one table snapshot: `read_parquet`/`read_csv` over
//! the snapshot's files, each column cast to the type the catalog gives it, so that DuckDB
//! sees the same columns and types as every other engine.

use datafusion::arrow::datatypes::{DataType, Schema, TimeUnit};
use junction_catalogs::{DataFile, DataFiles, Location, TextFields, TextLayout};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A double-quoted DuckDB identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A single-quoted DuckDB string literal.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// DuckDB's name for an Arrow type, where DuckDB has one.
pub fn duckdb_type(data_type: &DataType) -> Option<String> {
    Some(match data_type {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INTEGER".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::UInt8 => "UTINYINT".into(),
        DataType::UInt16 => "USMALLINT".into(),
        DataType::UInt32 => "UINTEGER".into(),
        DataType::UInt64 => "UBIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "VARCHAR".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BLOB".into(),
        DataType::Date32 | DataType::Date64 => "DATE".into(),
        DataType::Time64(_) | DataType::Time32(_) => "TIME".into(),
        DataType::Timestamp(TimeUnit::Nanosecond, None) => "TIMESTAMP_NS".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMPTZ".into(),
        DataType::Interval(_) => "INTERVAL".into(),
        DataType::Decimal128(p, s) if *p <= 38 && *s >= 0 => format!("DECIMAL({p},{s})"),
        DataType::Dictionary(_, value) => return duckdb_type(value),
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => {
            format!("{}[]", duckdb_type(item.data_type())?)
        }
        DataType::Struct(fields) => {
            let mut out = String::from("STRUCT(");
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(
                    out,
                    "{} {}",
                    ident(field.name()),
                    duckdb_type(field.data_type())?
                );
            }
            out.push(')');
            out
        }
        _ => return None,
    })
}

/// How a view reads one snapshot of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// DuckDB's `delta` extension over the table root: it follows deletion vectors and
    /// column mapping itself.
    DeltaExtension(Location),
    /// DuckDB's `iceberg` extension over the snapshot's metadata file: it applies delete
    /// files itself.
    IcebergExtension(Location),
    /// The snapshot's data files, listed by junction.
    Files(DataFiles),
}

/// The columns of `schema` with their DuckDB types, or why DuckDB cannot hold one.
fn typed_columns(schema: &Schema) -> Result<Vec<(&str, String)>, String> {
    schema
        .fields()
        .iter()
        .map(|field| {
            let ty = duckdb_type(field.data_type()).ok_or_else(|| {
                format!(
                    "column \"{}\" has type {}, which DuckDB cannot hold",
                    field.name(),
                    field.data_type()
                )
            })?;
            Ok((field.name().as_str(), ty))
        })
        .collect()
}

/// `SELECT CAST(c AS t) AS c, ... FROM <from>`: the catalog's columns and types over a
/// source that has them by name.
fn cast_select(columns: &[(&str, String)], from: &str) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|(name, ty)| format!("CAST({} AS {ty}) AS {}", ident(name), ident(name)))
        .collect();
    format!("SELECT {} FROM {from}", list.join(", "))
}

/// The SELECT a view over `scan` runs, or why DuckDB cannot read the table this way.
pub fn view_query(schema: &Schema, scan: &Scan) -> Result<String, String> {
    let columns = typed_columns(schema)?;
    match scan {
        Scan::DeltaExtension(root) => Ok(cast_select(
            &columns,
            &format!("delta_scan({})", literal(&root.to_string())),
        )),
        Scan::IcebergExtension(metadata) => Ok(cast_select(
            &columns,
            &format!("iceberg_scan({})", literal(&metadata.to_string())),
        )),
        Scan::Files(DataFiles::Unreadable(reason)) => Err(reason.clone()),
        Scan::Files(DataFiles::Csv(path)) => {
            let types: Vec<String> = columns
                .iter()
                .map(|(name, ty)| format!("{}: {}", literal(name), literal(ty)))
                .collect();
            Ok(format!(
                "SELECT * FROM read_csv({}, header = true, auto_detect = false, columns = {{{}}})",
                literal(&path.to_string()),
                types.join(", ")
            ))
        }
        Scan::Files(DataFiles::Parquet {
            files,
            hive_partitioning,
        }) => Ok(listed_query(&columns, files, "CAST", |paths| {
            format!(
                "read_parquet([{paths}], union_by_name = true, \
                 hive_partitioning = {hive_partitioning})"
            )
        })),
        Scan::Files(DataFiles::Text { files, layout }) => text_query(&columns, files, layout),
    }
}

/// How DuckDB reads the table, as `EXPLAIN ROUTE` shows it.
pub fn access(schema: &Schema, scan: &Scan) -> String {
    if let Err(reason) = typed_columns(schema) {
        return format!("not readable ({reason})");
    }
    match scan {
        Scan::DeltaExtension(_) => "delta extension (delta_scan)".to_owned(),
        Scan::IcebergExtension(_) => "iceberg extension (iceberg_scan)".to_owned(),
        Scan::Files(DataFiles::Parquet { files, .. }) => {
            format!("view over read_parquet ({} files)", files.len())
        }
        Scan::Files(DataFiles::Csv(_)) => "view over read_csv".to_owned(),
        Scan::Files(DataFiles::Text { files, layout }) => match text_null(&layout.fields) {
            Ok(_) => format!("view over read_csv, Hive text ({} files)", files.len()),
            Err(reason) => format!("not readable ({reason})"),
        },
        Scan::Files(DataFiles::Unreadable(reason)) => format!("not readable ({reason})"),
    }
}

/// Hive text files: the data columns (the table's, partition columns aside) in order, laid
/// out as `layout` says, typed as Hive's SerDes type them (hence `TRY_CAST`).
///
/// Each line is read whole and split here, as `catalogs`' view does on DataFusion: DuckDB's
/// CSV reader skips blank lines when it splits fields, where Hive reads a row from each. A
/// one-column read keeps them (as NULL), and with `new_line = '\r\n'` a line ends at `\n` or
/// `\r\n` as Hadoop's does. Its delimiter is a noncharacter, which text does not hold.
fn text_query(
    columns: &[(&str, String)],
    files: &[DataFile],
    layout: &TextLayout,
) -> Result<String, String> {
    let partition_columns: Vec<&str> = files
        .first()
        .map(|f| f.partition_values.iter().map(|(c, _)| c.as_str()).collect())
        .unwrap_or_default();
    let null = text_null(&layout.fields)?;
    // A missing field is NULL (DuckDB's lists are 1-based, and NULL past their end); extra
    // fields are ignored.
    let fields: Vec<String> = (1..)
        .zip(
            columns
                .iter()
                .filter(|(name, _)| !partition_columns.contains(name)),
        )
        .map(|(index, (name, _))| {
            format!(
                "nullif(\"#fields\"[{index}], {}) AS {}",
                literal(null),
                ident(name)
            )
        })
        .collect();
    Ok(listed_query(columns, files, "TRY_CAST", |paths| {
        format!(
            "(SELECT {} FROM (SELECT string_split(coalesce(\"#line\", ''), {}) AS \"#fields\" \
             FROM read_csv([{paths}], delim = '\u{10FFFF}', new_line = '\\r\\n', header = {}, \
             quote = '', escape = '', auto_detect = false, strict_mode = false, \
             columns = {{'#line': 'VARCHAR'}})))",
            fields.join(", "),
            byte(layout.delimiter),
            layout.header,
        )
    }))
}

/// The text that stands for NULL in the table's fields, or why DuckDB cannot read them.
fn text_null(fields: &TextFields) -> Result<&str, String> {
    match fields {
        TextFields::Plain { null } => Ok(null),
        // opencsv's rules (Hive's) are not DuckDB's CSV reader's: see catalogs' open_csv.
        TextFields::Quoted { .. } => Err("the table is OpenCSVSerde text, whose quoting and \
             escapes (opencsv's) DuckDB's CSV reader does not read alike"
            .to_owned()),
    }
}

/// A one-byte string literal.
fn byte(b: u8) -> String {
    literal(&char::from(b).to_string())
}

/// One SELECT per distinct set of partition values (they are not in the files), joined by
/// UNION ALL; a table without files is an empty SELECT of the right columns. Each group's
/// files are read `UNION ALL BY NAME` with that empty SELECT, so that a column added to the
/// table after some files were written reads as NULL from them (`union_by_name` alone knows
/// only the columns some file of the group has).
fn listed_query(
    columns: &[(&str, String)],
    files: &[DataFile],
    cast: &str,
    reader: impl Fn(&str) -> String,
) -> String {
    let empty = {
        let list: Vec<String> = columns
            .iter()
            .map(|(name, ty)| format!("CAST(NULL AS {ty}) AS {}", ident(name)))
            .collect();
        format!("SELECT {} WHERE false", list.join(", "))
    };
    if files.is_empty() {
        return empty;
    }
    let mut groups: BTreeMap<&[(String, Option<String>)], Vec<&DataFile>> = BTreeMap::new();
    for file in files {
        groups
            .entry(file.partition_values.as_slice())
            .or_default()
            .push(file);
    }
    let selects: Vec<String> = groups
        .into_iter()
        .map(|(partition, files)| {
            let list: Vec<String> = columns
                .iter()
                .map(|(name, ty)| {
                    let value = match partition.iter().find(|(column, _)| column == name) {
                        Some((_, Some(value))) => literal(value),
                        Some((_, None)) => "NULL".to_owned(),
                        None => ident(name),
                    };
                    format!("{cast}({value} AS {ty}) AS {}", ident(name))
                })
                .collect();
            let paths: Vec<String> = files.iter().map(|f| literal(&f.path.to_string())).collect();
            format!(
                "SELECT {} FROM (SELECT * FROM {} UNION ALL BY NAME {empty})",
                list.join(", "),
                reader(&paths.join(", "))
            )
        })
        .collect();
    selects.join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::Field;

    use super::*;

    fn at(path: &str) -> Location {
        Location::parse(path).expect("absolute path or URL")
    }

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("day", DataType::Date32, true),
        ])
    }

    const EMPTY: &str =
        "SELECT CAST(NULL AS BIGINT) AS \"id\", CAST(NULL AS DATE) AS \"day\" WHERE false";

    #[test]
    fn partition_values_become_typed_literals() {
        let file = |path: &str, day: Option<&str>| DataFile {
            path: at(path),
            partition_values: vec![("day".into(), day.map(str::to_owned))],
        };
        let files = Scan::Files(DataFiles::Parquet {
            files: vec![
                file("/t/a.parquet", Some("2026-01-01")),
                file("/t/b.parquet", None),
            ],
            hive_partitioning: false,
        });
        assert_eq!(
            view_query(&schema(), &files).expect("readable"),
            "SELECT CAST(\"id\" AS BIGINT) AS \"id\", CAST(NULL AS DATE) AS \"day\" \
             FROM (SELECT * FROM read_parquet(['/t/b.parquet'], union_by_name = true, hive_partitioning = false) \
             UNION ALL BY NAME {EMPTY}) \
             UNION ALL \
             SELECT CAST(\"id\" AS BIGINT) AS \"id\", CAST('2026-01-01' AS DATE) AS \"day\" \
             FROM (SELECT * FROM read_parquet(['/t/a.parquet'], union_by_name = true, hive_partitioning = false) \
             UNION ALL BY NAME {EMPTY})"
                .replace("{EMPTY}", EMPTY)
        );
    }

    #[test]
    fn hive_text_is_read_as_text_and_typed_as_hive_types_it() {
        let text = |layout: TextLayout| {
            Scan::Files(DataFiles::Text {
                files: vec![DataFile {
                    path: at("/t/day=2026-01-01/000000_0"),
                    partition_values: vec![("day".into(), Some("2026-01-01".into()))],
                }],
                layout,
            })
        };
        assert_eq!(
            view_query(&schema(), &text(TextLayout::plain(1))).expect("readable"),
            "SELECT TRY_CAST(\"id\" AS BIGINT) AS \"id\", TRY_CAST('2026-01-01' AS DATE) AS \"day\" \
             FROM (SELECT * FROM (SELECT nullif(\"#fields\"[1], '\\N') AS \"id\" \
             FROM (SELECT string_split(coalesce(\"#line\", ''), '\u{1}') AS \"#fields\" \
             FROM read_csv(['/t/day=2026-01-01/000000_0'], delim = '\u{10FFFF}', \
             new_line = '\\r\\n', header = false, quote = '', escape = '', auto_detect = false, \
             strict_mode = false, columns = {'#line': 'VARCHAR'}))) \
             UNION ALL BY NAME {EMPTY})"
                .replace("{EMPTY}", EMPTY)
        );

        // A header line to skip, and empty fields as NULL.
        let csv = TextLayout {
            delimiter: b',',
            header: true,
            fields: TextFields::Plain {
                null: String::new(),
            },
        };
        let query = view_query(&schema(), &text(csv)).expect("readable");
        assert!(
            query.contains("nullif(\"#fields\"[1], '') AS \"id\""),
            "{query}"
        );
        assert!(query.contains("''), ',') AS \"#fields\""), "{query}");
        assert!(query.contains("header = true,"), "{query}");

        // OpenCSVSerde: opencsv's rules are not DuckDB's.
        let refused = view_query(&schema(), &text(TextLayout::quoted(b',', b'"', b'\\')))
            .expect_err("not readable by DuckDB");
        assert!(refused.contains("OpenCSVSerde"), "{refused}");
    }

    #[test]
    fn a_table_without_files_is_empty_with_its_columns() {
        let files = Scan::Files(DataFiles::Parquet {
            files: Vec::new(),
            hive_partitioning: false,
        });
        assert_eq!(view_query(&schema(), &files).expect("readable"), EMPTY);
    }

    #[test]
    fn unreadable_snapshots_say_why() {
        let files = Scan::Files(DataFiles::Unreadable("Delta deletion vectors".into()));
        assert_eq!(
            view_query(&schema(), &files),
            Err("Delta deletion vectors".into())
        );
    }

    #[test]
    fn extensions_read_by_name_with_the_catalogs_types() {
        let delta = Scan::DeltaExtension(at("/w/silver/vitals"));
        assert_eq!(
            view_query(&schema(), &delta).expect("readable"),
            "SELECT CAST(\"id\" AS BIGINT) AS \"id\", CAST(\"day\" AS DATE) AS \"day\" \
             FROM delta_scan('/w/silver/vitals')"
        );
        let iceberg = Scan::IcebergExtension(at("s3://b/gold/h/metadata/00001.metadata.json"));
        assert!(view_query(&schema(), &iceberg)
            .expect("readable")
            .ends_with("FROM iceberg_scan('s3://b/gold/h/metadata/00001.metadata.json')"));
        assert_eq!(access(&schema(), &delta), "delta extension (delta_scan)");
    }

    #[test]
    fn names_and_paths_are_quoted() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("/w/o'neil.parquet"), "'/w/o''neil.parquet'");
    }
}
