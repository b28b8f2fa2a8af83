//! conformance/KNOWN_GAPS.md lists every `diverges` marker of the corpus, and every engine
//! answers at least 95% of the corpus records as PostgreSQL does (the transpiler issue's
//! target). The corpus test proves the markers true; this test keeps the list honest.

use junction_conformance::corpus;

const ENGINES: &[&str] = &["datafusion", "duckdb"];

/// The least share of records each engine must answer as PostgreSQL does.
const TARGET: f64 = 0.95;

struct Marker {
    file: String,
    engines: String,
    reason: String,
}

fn corpus_markers() -> (usize, Vec<Marker>) {
    let slt = junction_conformance::crate_dir().join("slt");
    let mut records = 0;
    let mut markers = Vec::new();
    for file in corpus::files(&slt) {
        let text = std::fs::read_to_string(&file).expect("corpus file");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for line in text.lines() {
            if line.starts_with("query") || line.starts_with("statement") {
                records += 1;
            }
            let Some(rest) = line.strip_prefix("# diverges(") else {
                continue;
            };
            let Some((engines, reason)) = rest.split_once("): ") else {
                panic!("{name}: malformed marker {line}");
            };
            markers.push(Marker {
                file: name.clone(),
                engines: engines.to_owned(),
                reason: reason.to_owned(),
            });
        }
    }
    (records, markers)
}

#[test]
fn known_gaps_lists_every_marker() {
    let gaps = std::fs::read_to_string(junction_conformance::crate_dir().join("KNOWN_GAPS.md"))
        .expect("conformance/KNOWN_GAPS.md");
    let rows: Vec<&str> = gaps
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with('|'))
        .collect();
    let (_, markers) = corpus_markers();
    let mut missing = Vec::new();
    for marker in &markers {
        let row = format!(
            "| {} | {} | {} |",
            marker.file,
            marker.engines,
            marker.reason.replace('|', "\\|")
        );
        if !rows.iter().any(|r| r.starts_with(&row)) {
            missing.push(row);
        }
    }
    assert!(
        missing.is_empty(),
        "KNOWN_GAPS.md lacks:\n{}",
        missing.join("\n")
    );
    // The header row, then one per marker: none listed that is gone.
    assert_eq!(
        rows.len(),
        markers.len() + 1,
        "KNOWN_GAPS.md lists markers the corpus no longer has"
    );
}

#[test]
fn every_engine_meets_the_target() {
    let (records, markers) = corpus_markers();
    assert!(records >= 300, "the corpus has only {records} records");
    for engine in ENGINES {
        let diverging = markers
            .iter()
            .filter(|m| m.engines.split(',').any(|e| e.trim() == *engine))
            .count();
        let identical = (records - diverging) as f64 / records as f64;
        assert!(
            identical >= TARGET,
            "{engine} answers {:.1}% of {records} records as PostgreSQL does",
            identical * 100.0
        );
    }
}
