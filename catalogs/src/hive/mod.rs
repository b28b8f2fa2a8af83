//! A Hive Metastore, through its Thrift API (the Hive 2.3 calls only: `get_all_databases`,
//! `get_database`, `get_all_tables`, `get_table`, `get_partitions`), with the hive_metastore
//! crate's client. Databases are schemas. A table is read by what its metastore entry says:
//!
//! - `table_type=ICEBERG` with `metadata_location`: that Iceberg metadata file;
//! - `spark.sql.sources.provider=delta`: the Delta table at the entry's location;
//! - Parquet (Hive's Parquet SerDe, or Spark's `parquet` provider), and text (LazySimpleSerDe
//!   or OpenCSVSerde over TextInputFormat): the files of its location, or of each partition
//!   the metastore lists, with the partition values it records.

mod types;

use std::fmt;
use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use async_trait::async_trait;
use hive_metastore::{
    Table, ThriftHiveMetastoreClient, ThriftHiveMetastoreClientBuilder,
    ThriftHiveMetastoreGetDatabaseException, ThriftHiveMetastoreGetTableException,
};
use pilota::FastStr;
use volo_thrift::{ClientError, MaybeException};

use crate::remote::{CatalogServer, Endpoint, Remote, RemoteCatalog};
use crate::storage::Storage;
use crate::table::{
    ListedFormat, Location, LocationKind, Partition, PartitionedTable, TableHandle, TextFields,
    TextLayout,
};
use crate::table::{Snapshot, TableLocation};
use crate::{CatalogError, Result};

/// How to reach a Hive Metastore.
#[derive(Debug, Clone)]
pub struct HiveSettings {
    /// `uri` is `thrift://host:port`; a token, if any, is not used (the metastore's Thrift
    /// API has no bearer tokens).
    pub endpoint: Endpoint,
}

/// A catalog served by a Hive Metastore.
pub type HiveCatalog = RemoteCatalog<HiveServer>;

/// How junction asks a Hive Metastore.
pub struct HiveServer {
    address: SocketAddr,
    client: ThriftHiveMetastoreClient,
}

impl fmt::Debug for HiveServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HiveServer")
            .field("address", &self.address)
            .finish()
    }
}

impl RemoteCatalog<HiveServer> {
    /// A catalog named `name` on the metastore `settings` describe. Only the address is
    /// resolved here; the metastore is first asked when a query needs it.
    pub fn new(name: impl Into<String>, settings: HiveSettings, storage: &Storage) -> Result<Self> {
        let name = name.into();
        let endpoint = settings.endpoint;
        let address = address(&endpoint.uri).map_err(|message| CatalogError::Unavailable {
            catalog: name.clone(),
            message,
        })?;
        // Hive's metastore speaks the binary protocol over an unframed ("buffered") transport.
        let client = ThriftHiveMetastoreClientBuilder::new(name.clone())
            .address(address)
            .make_codec(volo_thrift::codec::default::DefaultMakeCodec::buffered())
            .build();
        Ok(Self::from_server(
            &name,
            &endpoint,
            storage,
            HiveServer { address, client },
        ))
    }
}

/// The socket address of `thrift://host:port`.
fn address(uri: &str) -> std::result::Result<SocketAddr, String> {
    let authority = uri.strip_prefix("thrift://").unwrap_or(uri);
    let authority = authority.trim_end_matches('/');
    authority
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {uri}: {e}"))?
        .next()
        .ok_or_else(|| format!("{uri} resolves to no address"))
}

/// One Thrift call: not reaching the metastore is 58000; what it answered, a value or one of
/// the call's declared exceptions, is the caller's to read.
async fn thrift<T, E>(
    remote: &Remote,
    what: &str,
    call: impl Future<Output = std::result::Result<MaybeException<T, E>, ClientError>>,
) -> Result<std::result::Result<T, E>> {
    Ok(match remote.ask(what, call).await? {
        MaybeException::Ok(value) => Ok(value),
        MaybeException::Exception(e) => Err(e),
    })
}

/// A declared exception no caller expects, as what the metastore answered.
fn answered<T, E: fmt::Debug>(
    remote: &Remote,
    what: &str,
    answer: std::result::Result<T, E>,
) -> Result<T> {
    answer.map_err(|e| remote.failed(what, format!("{e:?}")))
}

/// A string option of a Thrift struct as `&str`.
fn text(value: &Option<FastStr>) -> Option<&str> {
    value.as_ref().map(|v| v.as_str())
}

impl HiveServer {
    /// Whether the database exists.
    async fn database_exists(&self, remote: &Remote, schema: &str) -> Result<bool> {
        let what = format!("reading database \"{schema}\"");
        let call = self.client.get_database(schema.to_owned().into());
        match thrift(remote, &what, call).await? {
            Ok(_) => Ok(true),
            Err(ThriftHiveMetastoreGetDatabaseException::O1(_)) => Ok(false),
            other => answered(remote, &what, other).map(|_| true),
        }
    }

    async fn partitions(&self, remote: &Remote, table: &Table) -> Result<Vec<Partition>> {
        let (Some(db), Some(name)) = (&table.db_name, &table.table_name) else {
            return Ok(Vec::new());
        };
        let what = format!("listing the partitions of \"{db}\".\"{name}\"");
        // -1: every partition.
        let call = self.client.get_partitions(db.clone(), name.clone(), -1);
        let partitions = answered(remote, &what, thrift(remote, &what, call).await?)?;
        partitions
            .into_iter()
            .map(|partition| {
                let location = partition
                    .sd
                    .as_ref()
                    .and_then(|sd| text(&sd.location))
                    .ok_or_else(|| remote.failed(&what, "a partition has no location"))?;
                let location =
                    Location::readable(&format!("{}.{db}.{name}", remote.catalog()), location)?;
                let values = partition
                    .values
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| (v.as_str() != types::NULL_PARTITION).then(|| v.to_string()))
                    .collect();
                Ok(Partition { location, values })
            })
            .collect()
    }

    /// A Parquet or text table, read partition by partition as the metastore lists them.
    async fn listed(
        &self,
        remote: &Remote,
        format: ListedFormat,
        name: &str,
        table: &Table,
        location: Location,
    ) -> Result<TableHandle> {
        let keys = table.partition_keys.clone().unwrap_or_default();
        let columns = keys
            .iter()
            .map(|key| types::partition_field(name, key))
            .collect::<Result<Vec<_>>>()?;
        let partitions = if columns.is_empty() {
            vec![Partition {
                location: location.clone(),
                values: Vec::new(),
            }]
        } else {
            self.partitions(remote, table).await?
        };
        let declared = table
            .sd
            .as_ref()
            .and_then(|sd| sd.cols.as_deref())
            .and_then(types::declared_schema);
        PartitionedTable {
            name,
            location: &location,
            storage: remote.storage(),
            columns,
            partitions,
            declared,
            format,
        }
        .load()
        .await
    }
}

/// How a metastore entry's table is stored, by what Hive, Spark and Iceberg write there.
#[derive(Debug, PartialEq, Eq)]
enum Stored {
    Iceberg {
        metadata_location: String,
    },
    Delta,
    Parquet,
    /// Hive's delimited text (LazySimpleSerDe over TextInputFormat).
    Text(TextLayout),
    View,
    Other(String),
}

fn stored(table: &Table) -> Stored {
    let parameter = |key: &str| {
        table
            .parameters
            .as_ref()
            .and_then(|p| p.get(key))
            .map(|v| v.to_string())
    };
    if text(&table.table_type) == Some("VIRTUAL_VIEW") {
        return Stored::View;
    }
    if parameter("table_type").is_some_and(|t| t.eq_ignore_ascii_case("ICEBERG")) {
        return match parameter("metadata_location") {
            Some(metadata_location) => Stored::Iceberg { metadata_location },
            None => Stored::Other("Iceberg without metadata_location".into()),
        };
    }
    if let Some(provider) = parameter("spark.sql.sources.provider") {
        return match provider.to_ascii_lowercase().as_str() {
            "delta" => Stored::Delta,
            "parquet" => Stored::Parquet,
            _ => Stored::Other(format!("Spark data source \"{provider}\"")),
        };
    }
    let serde = table
        .sd
        .as_ref()
        .and_then(|sd| sd.serde_info.as_ref())
        .and_then(|s| text(&s.serialization_lib))
        .unwrap_or("no SerDe");
    let input = table
        .sd
        .as_ref()
        .and_then(|sd| text(&sd.input_format))
        .unwrap_or_default();
    if serde.ends_with(".ParquetHiveSerDe") {
        Stored::Parquet
    } else if input.ends_with(".TextInputFormat")
        && (serde.ends_with(".LazySimpleSerDe") || serde.ends_with(".OpenCSVSerde"))
    {
        text_layout_of(table, serde.ends_with(".OpenCSVSerde"))
    } else {
        Stored::Other(format!("Hive SerDe {serde}"))
    }
}

/// How a LazySimpleSerDe (or, if `quoted`, OpenCSVSerde) table's text is laid out, from its
/// SerDe and table parameters; what junction would read wrong (LazySimpleSerDe's escapes,
/// footers, more than one header line) is `Other`.
fn text_layout_of(table: &Table, quoted: bool) -> Stored {
    let serde_parameter = |key: &str| {
        table
            .sd
            .as_ref()
            .and_then(|sd| sd.serde_info.as_ref())
            .and_then(|s| s.parameters.as_ref())
            .and_then(|p| p.get(key))
            .map(|v| v.to_string())
    };
    let table_parameter = |key: &str| {
        table
            .parameters
            .as_ref()
            .and_then(|p| p.get(key))
            .map(|v| v.to_string())
    };
    text_stored(quoted, serde_parameter, table_parameter)
}

fn text_stored(
    quoted: bool,
    serde_parameter: impl Fn(&str) -> Option<String>,
    table_parameter: impl Fn(&str) -> Option<String>,
) -> Stored {
    let layout = if quoted {
        csv_layout(serde_parameter)
    } else {
        text_layout(serde_parameter)
    };
    match (layout, header_line(table_parameter)) {
        (Ok(mut layout), Ok(header)) => {
            layout.header = header;
            Stored::Text(layout)
        }
        (Err(reason), _) | (_, Err(reason)) => Stored::Other(reason),
    }
}

/// LazySimpleSerDe's layout.
fn text_layout(serde_parameter: impl Fn(&str) -> Option<String>) -> Result<TextLayout, String> {
    let Some(delimiter) = hive_delimiter(
        serde_parameter("field.delim").or_else(|| serde_parameter("serialization.format")),
    ) else {
        return Err("a multi-byte field delimiter".into());
    };
    if let Some(escape) = serde_parameter("escape.delim") {
        return Err(format!("text with escapes (escape.delim = '{escape}')"));
    }
    let mut layout = TextLayout::plain(delimiter);
    if let Some(text) = serde_parameter("serialization.null.format") {
        layout.fields = TextFields::Plain { null: text };
    }
    Ok(layout)
}

/// OpenCSVSerde's layout: `separatorChar`, `quoteChar` and `escapeChar`, each the first
/// character of its value (as the SerDe takes it), `,`, `"` and `\` unless set. An
/// `escapeChar` of `"` is the SerDe's way to ask for opencsv's default, `\`; three characters
/// that are not all different are ones opencsv refuses.
fn csv_layout(serde_parameter: impl Fn(&str) -> Option<String>) -> Result<TextLayout, String> {
    let character = |key: &str, default: u8| match serde_parameter(key) {
        None => Ok(default),
        Some(value) => value
            .chars()
            .next()
            .and_then(|c| u8::try_from(u32::from(c)).ok())
            .filter(|b| b.is_ascii())
            .ok_or_else(|| format!("OpenCSVSerde with {key} = '{value}' (one ASCII character)")),
    };
    let separator = character("separatorChar", b',')?;
    let quote = character("quoteChar", b'"')?;
    let escape = match character("escapeChar", b'\\')? {
        b'"' => b'\\',
        escape => escape,
    };
    if separator == quote || quote == escape || escape == separator {
        return Err(format!(
            "OpenCSVSerde whose separatorChar, quoteChar and escapeChar ('{}', '{}', '{}') \
             are not all different",
            char::from(separator),
            char::from(quote),
            char::from(escape)
        ));
    }
    Ok(TextLayout::quoted(separator, quote, escape))
}

/// Whether each file begins with a header line; footers and longer headers are refused.
fn header_line(table_parameter: impl Fn(&str) -> Option<String>) -> Result<bool, String> {
    let lines = |key: &str| table_parameter(key).map(|v| (v.trim().parse::<u32>(), v));
    match lines("skip.footer.line.count") {
        None | Some((Ok(0), _)) => {}
        Some((_, value)) => return Err(format!("text with skip.footer.line.count = {value}")),
    }
    match lines("skip.header.line.count") {
        None | Some((Ok(0), _)) => Ok(false),
        Some((Ok(1), _)) => Ok(true),
        Some((_, value)) => Err(format!("text with skip.header.line.count = {value}")),
    }
}

/// A LazySimpleSerDe delimiter as Hive reads it: a number is the byte of that code, other
/// text its first byte; `\x01` when absent. `None` for a character beyond one byte.
fn hive_delimiter(value: Option<String>) -> Option<u8> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Some(1);
    };
    if let Ok(code) = value.parse::<i8>() {
        return Some(code as u8);
    }
    let first = value.chars().next()?;
    u8::try_from(u32::from(first)).ok().filter(|b| b.is_ascii())
}

/// Where the entry says the table is: Spark keeps a data source table's path in the SerDe
/// parameters, Hive in the storage descriptor.
fn location_of(table: &Table) -> Option<&str> {
    let sd = table.sd.as_ref()?;
    sd.serde_info
        .as_ref()
        .and_then(|s| s.parameters.as_ref())
        .and_then(|p| p.get("path"))
        .map(|v| v.as_str())
        .or_else(|| text(&sd.location))
}

#[async_trait]
impl CatalogServer for HiveServer {
    async fn schema_names(&self, remote: &Remote) -> Result<Vec<String>> {
        let what = "listing databases";
        let answer = thrift(remote, what, self.client.get_all_databases()).await?;
        let names = answered(remote, what, answer)?;
        Ok(names.into_iter().map(|n| n.to_string()).collect())
    }

    async fn table_names(&self, remote: &Remote, schema: &str) -> Result<Vec<String>> {
        // Hive answers an empty list for a database that does not exist.
        if !self.database_exists(remote, schema).await? {
            return Err(CatalogError::SchemaNotFound(schema.to_owned()));
        }
        let what = format!("listing the tables of \"{schema}\"");
        let call = self.client.get_all_tables(schema.to_owned().into());
        let names = answered(remote, &what, thrift(remote, &what, call).await?)?;
        Ok(names.into_iter().map(|n| n.to_string()).collect())
    }

    async fn table(
        &self,
        remote: &Remote,
        schema: &str,
        table: &str,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Option<TableHandle>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let call = self
            .client
            .get_table(schema.to_owned().into(), table.to_owned().into());
        let entry = match thrift(remote, &what, call).await? {
            Ok(entry) => entry,
            Err(ThriftHiveMetastoreGetTableException::O2(_)) => return Ok(None),
            other => answered(remote, &what, other)?,
        };
        let full_name = format!("{}.{schema}.{table}", remote.catalog());
        let location = || {
            let location = location_of(&entry)
                .ok_or_else(|| remote.failed(&what, "the table has no location"))?;
            Location::readable(&full_name, location)
        };
        let at =
            |kind, location| TableLocation::new(schema, table, kind, location, remote.storage());
        match stored(&entry) {
            Stored::Iceberg { metadata_location } => {
                let metadata = Location::readable(&full_name, &metadata_location)?;
                at(LocationKind::Iceberg, location()?)
                    .load_reusing(Snapshot::IcebergMetadata(metadata), previous)
                    .await
                    .map(Some)
            }
            Stored::Delta => at(LocationKind::Delta, location()?)
                .load_current_reusing(previous)
                .await
                .map(Some),
            Stored::Parquet => self
                .listed(
                    remote,
                    ListedFormat::Parquet,
                    &full_name,
                    &entry,
                    location()?,
                )
                .await
                .map(Some),
            Stored::Text(layout) => self
                .listed(
                    remote,
                    ListedFormat::Text(layout),
                    &full_name,
                    &entry,
                    location()?,
                )
                .await
                .map(Some),
            Stored::View => Err(CatalogError::Unsupported(format!(
                "{full_name} is a Hive view, which junction does not read"
            ))),
            Stored::Other(what) => Err(CatalogError::Unsupported(format!(
                "table {full_name} is stored as {what}, which junction does not read"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{hive_delimiter, text_stored, Stored};
    use crate::table::{TextFields, TextLayout};

    fn layout(serde: &[(&str, &str)], table: &[(&str, &str)], quoted: bool) -> Stored {
        let serde: HashMap<String, String> = serde
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let table: HashMap<String, String> = table
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        text_stored(quoted, |k| serde.get(k).cloned(), |k| table.get(k).cloned())
    }

    #[test]
    fn text_layouts_junction_reads_and_those_it_refuses() {
        assert_eq!(layout(&[], &[], false), Stored::Text(TextLayout::plain(1)));
        assert_eq!(
            layout(
                &[("field.delim", ","), ("serialization.null.format", "")],
                &[("skip.header.line.count", "1")],
                false
            ),
            Stored::Text(TextLayout {
                delimiter: b',',
                header: true,
                fields: TextFields::Plain {
                    null: String::new()
                },
            })
        );
        assert_eq!(
            layout(&[], &[], true),
            Stored::Text(TextLayout::quoted(b',', b'"', b'\\'))
        );
        assert_eq!(
            layout(
                &[
                    ("separatorChar", "\t"),
                    ("quoteChar", "'"),
                    ("escapeChar", "~")
                ],
                &[("skip.header.line.count", "1")],
                true
            ),
            Stored::Text(TextLayout {
                header: true,
                ..TextLayout::quoted(b'\t', b'\'', b'~')
            })
        );
        // `"` asks for opencsv's default escape.
        assert_eq!(
            layout(&[("escapeChar", "\"")], &[], true),
            Stored::Text(TextLayout::quoted(b',', b'"', b'\\'))
        );
        for (serde, table, refused) in [
            (
                &[][..],
                &[("skip.header.line.count", "2")][..],
                "skip.header.line.count = 2",
            ),
            (
                &[],
                &[("skip.header.line.count", "x")],
                "skip.header.line.count = x",
            ),
            (
                &[],
                &[("skip.footer.line.count", "1")],
                "skip.footer.line.count = 1",
            ),
            (&[("escape.delim", "\\")], &[], "escape.delim"),
        ] {
            match layout(serde, table, false) {
                Stored::Other(reason) => assert!(reason.contains(refused), "{reason}"),
                other => panic!("{refused}: {other:?}"),
            }
        }
        let csv = layout(&[("separatorChar", "é")], &[], true);
        assert!(
            matches!(&csv, Stored::Other(reason) if reason.contains("separatorChar = 'é'")),
            "{csv:?}"
        );
        let csv = layout(&[("quoteChar", "\'"), ("escapeChar", "\'")], &[], true);
        assert!(
            matches!(&csv, Stored::Other(reason) if reason.contains("not all different")),
            "{csv:?}"
        );
        let csv = layout(&[], &[("skip.footer.line.count", "2")], true);
        assert!(
            matches!(&csv, Stored::Other(reason) if reason.contains("skip.footer.line.count")),
            "{csv:?}"
        );
    }

    #[test]
    fn text_delimiters_as_hive_reads_them() {
        assert_eq!(hive_delimiter(None), Some(1));
        assert_eq!(hive_delimiter(Some("1".into())), Some(1));
        assert_eq!(hive_delimiter(Some(",".into())), Some(b','));
        assert_eq!(hive_delimiter(Some("9".into())), Some(b'\t'));
        assert_eq!(hive_delimiter(Some("\t".into())), Some(b'\t'));
        assert_eq!(hive_delimiter(Some("é".into())), None);
    }
}
