//! pg_settings with PostgreSQL 15's columns: the server's read-only settings and the
//! session's own.
//!
//! datafusion-pg-catalog 0.17 serves one row (`standard_conforming_strings`) and lacks
//! `boot_val`; pgJDBC asks for `max_index_keys` before it reflects foreign keys (DBeaver's
//! and Metabase's path) and fails without it, and psql's `\dconfig` lists the settings whose
//! `source` is not `default`. The server's rows have the values PostgreSQL 15 reports for
//! them; the session's (`SHOW ALL`) say `session` where the session changed them. junction
//! keeps no category or description for its session settings: those columns are NULL.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Int32Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::error::Result;

use crate::SessionSetting;

/// One row: what pg_settings says of a setting.
struct Setting {
    name: &'static str,
    setting: &'static str,
    unit: Option<&'static str>,
    category: &'static str,
    short_desc: &'static str,
    context: &'static str,
    vartype: &'static str,
}

const SETTINGS: [Setting; 10] = [
    Setting {
        name: "block_size",
        setting: "8192",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the size of a disk block.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "integer_datetimes",
        setting: "on",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows whether datetimes are integer based.",
        context: "internal",
        vartype: "bool",
    },
    Setting {
        name: "max_function_args",
        setting: "100",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the maximum number of function arguments.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "max_identifier_length",
        setting: "63",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the maximum identifier length.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "max_index_keys",
        setting: "32",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the maximum number of index keys.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "segment_size",
        setting: "131072",
        unit: Some("8kB"),
        category: "Preset Options",
        short_desc: "Shows the number of pages per disk file.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "server_encoding",
        setting: "UTF8",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the server (database) character set encoding.",
        context: "internal",
        vartype: "string",
    },
    Setting {
        name: "server_version",
        setting: "15.0",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the server version.",
        context: "internal",
        vartype: "string",
    },
    Setting {
        name: "server_version_num",
        setting: "150000",
        unit: None,
        category: "Preset Options",
        short_desc: "Shows the server version as an integer.",
        context: "internal",
        vartype: "integer",
    },
    Setting {
        name: "standard_conforming_strings",
        setting: "on",
        unit: None,
        category: "Version and Platform Compatibility / Previous PostgreSQL Versions",
        short_desc: "Causes '...' strings to treat backslashes literally.",
        context: "user",
        vartype: "bool",
    },
];

/// A row of the table.
struct Row {
    name: String,
    setting: String,
    unit: Option<&'static str>,
    category: Option<&'static str>,
    short_desc: Option<&'static str>,
    context: &'static str,
    vartype: &'static str,
    source: &'static str,
    range: Option<String>,
    default: Option<String>,
}

/// The table for a session with `session` settings.
pub fn pg_settings(session: &[SessionSetting]) -> Result<Arc<dyn TableProvider>> {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        text("name"),
        text("setting"),
        text("unit"),
        text("category"),
        text("short_desc"),
        text("extra_desc"),
        text("context"),
        text("vartype"),
        text("source"),
        text("min_val"),
        text("max_val"),
        Field::new(
            "enumvals",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
        text("boot_val"),
        text("reset_val"),
        text("sourcefile"),
        Field::new("sourceline", DataType::Int32, true),
        Field::new("pending_restart", DataType::Boolean, true),
    ]));
    let server = SETTINGS
        .iter()
        .filter(|s| !session.iter().any(|own| own.name == s.name));
    let mut rows: Vec<Row> = server
        .map(|s| Row {
            name: s.name.to_owned(),
            setting: s.setting.to_owned(),
            unit: s.unit,
            category: Some(s.category),
            short_desc: Some(s.short_desc),
            context: s.context,
            vartype: s.vartype,
            source: "default",
            range: (s.vartype == "integer").then(|| s.setting.to_owned()),
            default: Some(s.setting.to_owned()),
        })
        .collect();
    rows.extend(session.iter().map(|own| Row {
        name: own.name.clone(),
        setting: own.value.clone(),
        unit: None,
        category: None,
        short_desc: None,
        context: "user",
        vartype: "string",
        source: if own.default.as_deref() == Some(own.value.as_str()) {
            "default"
        } else {
            "session"
        },
        range: None,
        default: own.default.clone(),
    }));
    rows.sort_by_key(|r| r.name.to_lowercase());
    let text = |f: &dyn Fn(&Row) -> Option<&str>| {
        Arc::new(rows.iter().map(f).collect::<StringArray>()) as ArrayRef
    };
    let nulls = || Arc::new(StringArray::new_null(rows.len())) as ArrayRef;
    let mut enumvals = ListBuilder::new(StringBuilder::new());
    for _ in &rows {
        enumvals.append_null();
    }
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(&r.name)),
        text(&|r| Some(&r.setting)),
        text(&|r| r.unit),
        text(&|r| r.category),
        text(&|r| r.short_desc),
        nulls(),
        text(&|r| Some(r.context)),
        text(&|r| Some(r.vartype)),
        text(&|r| Some(r.source)),
        // A read-only integer's range is its one value.
        text(&|r| r.range.as_deref()),
        text(&|r| r.range.as_deref()),
        Arc::new(enumvals.finish()),
        text(&|r| r.default.as_deref()),
        text(&|r| r.default.as_deref()),
        nulls(),
        Arc::new(Int32Array::new_null(rows.len())),
        Arc::new(BooleanArray::from(vec![false; rows.len()])),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::AsArray;

    use super::*;

    #[test]
    fn the_server_s_rows_and_the_session_s_with_their_source() {
        let setting = |name: &str, value: &str, default: Option<&str>| SessionSetting {
            name: name.into(),
            value: value.into(),
            default: default.map(Into::into),
        };
        let table = pg_settings(&[
            setting("application_name", "psql", Some("")),
            setting("DateStyle", "ISO, MDY", Some("ISO, MDY")),
            setting("my.flag", "on", None),
        ])
        .expect("pg_settings");
        assert_eq!(table.schema().fields().len(), 17);
        let batch = &table
            .as_any()
            .downcast_ref::<MemTable>()
            .expect("in memory")
            .batches[0]
            .try_read()
            .expect("batch")[0]
            .clone();
        let names = batch.column(0).as_string::<i32>();
        let sources = batch.column(8).as_string::<i32>();
        let source_of = |name: &str| {
            (0..batch.num_rows())
                .find(|i| names.value(*i) == name)
                .map(|i| sources.value(i).to_owned())
        };
        assert_eq!(source_of("max_index_keys").as_deref(), Some("default"));
        assert_eq!(source_of("application_name").as_deref(), Some("session"));
        assert_eq!(source_of("DateStyle").as_deref(), Some("default"));
        assert_eq!(source_of("my.flag").as_deref(), Some("session"));
    }
}
