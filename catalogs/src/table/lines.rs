//! Hive text read a line at a time, split into lines as Hadoop's `LineReader` splits them
//! for Hive: a line ends at `\n`, `\r` or `\r\n`, a blank line is a row (Hive reads one from
//! it), and the end of the file ends an unterminated last line. DataFusion's CSV reader
//! skips blank lines (csv-core always does) and cannot read a line whole whatever bytes it
//! holds, so text does not go through it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringBuilder};
use arrow::datatypes::SchemaRef;
use datafusion::common::{exec_datafusion_err, internal_err};
use datafusion::datasource::physical_plan::{
    FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExprs;
use datafusion::physical_plan::DisplayFormatType;
use datafusion_datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion_datasource::PartitionedFile;
use futures::{future, stream, FutureExt, StreamExt};
use object_store::{ObjectStore, ObjectStoreExt};

/// The one column a line source yields: each line whole.
pub(crate) const LINE: &str = "#line";

/// Reads files of lines; `table_schema`'s file schema is the one Utf8 column [`LINE`].
#[derive(Debug, Clone)]
pub(crate) struct LineSource {
    /// Whether each file's first line is a header rather than a row
    /// (`skip.header.line.count = 1`).
    header: bool,
    batch_size: Option<usize>,
    table_schema: TableSchema,
    projection: SplitProjection,
    metrics: ExecutionPlanMetricsSet,
}

impl LineSource {
    pub(crate) fn new(table_schema: TableSchema, header: bool) -> Self {
        Self {
            header,
            batch_size: None,
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }
}

impl FileSource for LineSource {
    fn create_file_opener(
        &self,
        store: Arc<dyn ObjectStore>,
        _config: &FileScanConfig,
        _partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let file_schema = self.table_schema.file_schema();
        let Some(batch_size) = self.batch_size else {
            return internal_err!("a line source is opened before its batch size is set");
        };
        let opener = LineOpener {
            store,
            header: self.header,
            batch_size,
            schema: Arc::new(file_schema.project(&self.projection.file_indices)?),
        };
        ProjectionOpener::try_new(self.projection.clone(), Arc::new(opener), file_schema)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        let mut source = self.clone();
        source.batch_size = Some(batch_size);
        Arc::new(source)
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        let mut source = self.clone();
        let merged = self.projection.source.try_merge(projection)?;
        source.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(source)))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        "lines"
    }

    /// Files are read whole: a byte range would have to find where its first line begins.
    fn supports_repartitioning(&self) -> bool {
        false
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, ", header={}", self.header)
            }
            DisplayFormatType::TreeRender => Ok(()),
        }
    }
}

struct LineOpener {
    store: Arc<dyn ObjectStore>,
    header: bool,
    batch_size: usize,
    /// [`LINE`], or no column when the query reads none (it then counts rows).
    schema: SchemaRef,
}

impl FileOpener for LineOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        if file.range.is_some() {
            return internal_err!(
                "a line source was given part of {}",
                file.object_meta.location
            );
        }
        let store = Arc::clone(&self.store);
        let lines = Lines::new(
            file.object_meta.location.to_string(),
            Arc::clone(&self.schema),
            self.batch_size,
            self.header,
        );
        Ok(async move {
            let chunks = store.get(&file.object_meta.location).await?.into_stream();
            // `None` marks the end of the file, which ends its last line.
            let batches = chunks
                .map(Some)
                .chain(stream::once(future::ready(None)))
                .scan(lines, |lines, chunk| {
                    future::ready(Some(match chunk {
                        Some(Ok(bytes)) => lines.push(&bytes),
                        Some(Err(e)) => Err(e.into()),
                        None => lines.finish(),
                    }))
                })
                .flat_map(|batches| {
                    stream::iter(match batches {
                        Ok(batches) => batches.into_iter().map(Ok).collect(),
                        Err(e) => vec![Err(e)],
                    })
                });
            Ok(batches.boxed())
        }
        .boxed())
    }
}

/// Splits one file's bytes, fed in chunks as they arrive, into batches of lines.
struct Lines {
    /// Names the file in errors.
    file: String,
    schema: SchemaRef,
    batch_size: usize,
    /// The header line is still to skip.
    header: bool,
    /// The lines of the batch being built; `None` when no column is read.
    text: Option<StringBuilder>,
    rows: usize,
    /// The line an earlier chunk began.
    partial: Vec<u8>,
    /// The last chunk ended in `\r`, so a `\n` opening the next one ends no line.
    after_cr: bool,
    /// Lines seen so far, for errors.
    line_number: usize,
}

impl Lines {
    /// `schema` is [`LINE`] or no column; `header` skips the file's first line.
    fn new(file: String, schema: SchemaRef, batch_size: usize, header: bool) -> Self {
        let text = (!schema.fields().is_empty()).then(StringBuilder::new);
        Self {
            file,
            schema,
            batch_size: batch_size.max(1),
            header,
            text,
            rows: 0,
            partial: Vec::new(),
            after_cr: false,
            line_number: 0,
        }
    }

    /// Takes the next chunk of the file; returns the batches it completed.
    fn push(&mut self, chunk: &[u8]) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        let mut rest = chunk;
        if std::mem::take(&mut self.after_cr) {
            rest = rest.strip_prefix(b"\n").unwrap_or(rest);
        }
        while let Some(end) = memchr::memchr2(b'\n', b'\r', rest) {
            if self.partial.is_empty() {
                self.line(&rest[..end], &mut batches)?;
            } else {
                self.partial.extend_from_slice(&rest[..end]);
                self.line_from_partial(&mut batches)?;
            }
            let terminator = rest[end];
            rest = &rest[end + 1..];
            if terminator == b'\r' {
                match rest.strip_prefix(b"\n") {
                    Some(after) => rest = after,
                    None => self.after_cr = rest.is_empty(),
                }
            }
        }
        self.partial.extend_from_slice(rest);
        Ok(batches)
    }

    /// The file has ended: returns the batches left.
    fn finish(&mut self) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        if !self.partial.is_empty() {
            self.line_from_partial(&mut batches)?;
        }
        if self.rows > 0 {
            batches.push(self.flush()?);
        }
        Ok(batches)
    }

    /// The line `partial` holds, which is then emptied (keeping its buffer).
    fn line_from_partial(&mut self, batches: &mut Vec<RecordBatch>) -> Result<()> {
        let mut line = std::mem::take(&mut self.partial);
        let read = self.line(&line, batches);
        line.clear();
        self.partial = line;
        read
    }

    fn line(&mut self, bytes: &[u8], batches: &mut Vec<RecordBatch>) -> Result<()> {
        self.line_number += 1;
        if std::mem::take(&mut self.header) {
            return Ok(());
        }
        if let Some(text) = &mut self.text {
            let line = std::str::from_utf8(bytes).map_err(|e| {
                exec_datafusion_err!(
                    "line {} of {} is not UTF-8 text: {e}",
                    self.line_number,
                    self.file
                )
            })?;
            text.append_value(line);
        }
        self.rows += 1;
        if self.rows == self.batch_size {
            batches.push(self.flush()?);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<RecordBatch> {
        let rows = std::mem::take(&mut self.rows);
        let columns: Vec<ArrayRef> = match &mut self.text {
            Some(text) => vec![Arc::new(text.finish())],
            None => Vec::new(),
        };
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::{Lines, LINE};

    /// The rows `chunks` make, each line as text, in batches of `batch_size`.
    fn split(chunks: &[&[u8]], header: bool, batch_size: usize) -> Vec<Vec<String>> {
        let schema = Arc::new(Schema::new(vec![Field::new(LINE, DataType::Utf8, true)]));
        let mut lines = Lines::new("f".to_owned(), schema, batch_size, header);
        let mut batches = Vec::new();
        for chunk in chunks {
            batches.extend(lines.push(chunk).expect("push"));
        }
        batches.extend(lines.finish().expect("finish"));
        batches
            .iter()
            .map(|batch| {
                let text = batch.column(0).as_string::<i32>();
                assert_eq!(text.null_count(), 0);
                text.iter()
                    .map(|l| l.unwrap_or_default().to_owned())
                    .collect()
            })
            .collect()
    }

    fn rows(chunks: &[&[u8]]) -> Vec<String> {
        split(chunks, false, 1024).concat()
    }

    #[test]
    fn lines_end_at_lf_cr_or_crlf_and_blank_lines_are_rows() {
        assert_eq!(
            rows(&[b"a|1\n\nb|2\r\n\r\nc\rd\n|\nlast"]),
            ["a|1", "", "b|2", "", "c", "d", "|", "last"]
        );
        assert_eq!(rows(&[b"a\n"]), ["a"]);
        assert_eq!(rows(&[b"a\n\n"]), ["a", ""]);
        assert_eq!(rows(&[b"\n"]), [""]);
        assert_eq!(rows(&[b"\r"]), [""]);
        assert!(rows(&[b""]).is_empty());
        assert!(rows(&[]).is_empty());
    }

    #[test]
    fn chunk_boundaries_do_not_change_the_lines() {
        let file: &[u8] = b"ab\r\ncd\r\r\n\nef\rgh";
        let whole = rows(&[file]);
        assert_eq!(whole, ["ab", "cd", "", "", "ef", "gh"]);
        for cut in 0..=file.len() {
            assert_eq!(rows(&[&file[..cut], &file[cut..]]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = file.chunks(1).collect();
        assert_eq!(rows(&bytes), whole);
    }

    #[test]
    fn a_header_skips_the_first_line_and_batches_hold_batch_size_lines() {
        assert_eq!(
            split(&[b"h\n1\n2\n3\n4\n5"], true, 2),
            [vec!["1", "2"], vec!["3", "4"], vec!["5"]]
        );
        assert!(split(&[b"only a header\n"], true, 2).is_empty());
    }

    #[test]
    fn without_a_column_only_rows_are_counted() {
        let mut lines = Lines::new("f".to_owned(), Arc::new(Schema::empty()), 2, false);
        let mut batches = lines.push(b"a\n\nb").expect("push");
        batches.extend(lines.finish().expect("finish"));
        let counts: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        assert_eq!(counts, [2, 1]);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_naming_it() {
        let schema = Arc::new(Schema::new(vec![Field::new(LINE, DataType::Utf8, true)]));
        let mut lines = Lines::new("ward/000000_0".to_owned(), schema, 8, false);
        let error = lines.push(b"ok\nbad \xff\n").expect_err("not UTF-8");
        assert!(
            error
                .to_string()
                .contains("line 2 of ward/000000_0 is not UTF-8"),
            "{error}"
        );
    }
}
