//! The command line contract of `junction transpile` (DESIGN.md): the rewritten SQL on
//! stdout and exit 0, or `ERROR <SQLSTATE>: <message>` on stderr and exit 1.

use std::process::Command;

fn transpile(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_junction"))
        .arg("transpile")
        .args(args)
        .output()
        .expect("run junction transpile");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn duckdb_gets_checked_divisors() {
    let (ok, stdout, _) = transpile(&[
        "--from",
        "postgres",
        "--to",
        "duckdb",
        "select heart_rate / spo2, heart_rate % spo2 from silver.vitals",
    ]);
    assert!(ok);
    assert_eq!(
        stdout.trim(),
        "SELECT heart_rate / junction_divisor(spo2, heart_rate), \
         heart_rate % junction_modulus(spo2, heart_rate) FROM silver.vitals"
    );
}

#[test]
fn datafusion_reads_integer_literals_as_int4() {
    let (ok, stdout, _) = transpile(&["--to", "datafusion", "select a / b from t; select 1"]);
    assert!(ok);
    assert_eq!(
        stdout.trim(),
        "SELECT a / b FROM t;\nSELECT CAST(1 AS INTEGER)"
    );
}

#[test]
fn trino_gets_its_own_spelling() {
    let (ok, stdout, _) = transpile(&[
        "--to",
        "trino",
        "select x::text from t order by x desc limit 2 offset 1",
    ]);
    assert!(ok);
    assert_eq!(
        stdout.trim(),
        "SELECT CAST(x AS VARCHAR) FROM t ORDER BY x DESC NULLS FIRST OFFSET 1 ROWS FETCH FIRST 2 ROWS ONLY"
    );
}

#[test]
fn errors_carry_their_sqlstate() {
    let cases = [
        (vec!["--to", "duckdb", "selec 1"], "ERROR 42601: "),
        (
            vec!["--to", "nosuch", "select 1"],
            "ERROR 22023: unknown dialect \"nosuch\"",
        ),
        (
            vec!["--from", "duckdb", "--to", "duckdb", "select 1"],
            "ERROR 22023: ",
        ),
        (
            vec!["--to", "trino", "select distinct on (a) a from t"],
            "ERROR 0A000: DISTINCT ON is not supported by trino",
        ),
    ];
    for (args, prefix) in cases {
        let (ok, stdout, stderr) = transpile(&args);
        assert!(!ok, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.starts_with(prefix), "{args:?}: {stderr}");
    }
}

/// `junction calibrate` writes a cost model for both engines that `[router] calibration`
/// accepts: every figure a finite, non-negative number of microseconds.
#[test]
fn calibrate_writes_a_model_for_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("junction.toml");
    std::fs::write(
        &config,
        junction_conformance::peers::duckdb_extensions_config(),
    )
    .expect("config");
    let out = dir.path().join("calibration.toml");
    let run = Command::new(env!("CARGO_BIN_EXE_junction"))
        .args([
            "calibrate",
            "--runs",
            "1",
            "--patients",
            "20",
            "--days",
            "1",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run junction calibrate");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("the model");
    let model: toml::Table = toml::from_str(&text).expect("TOML");
    let engines = model["engine"].as_table().expect("[engine.*]");
    for engine in ["datafusion", "duckdb"] {
        let profile = engines[engine].as_table().expect(engine);
        for figure in [
            "startup_us",
            "table_us",
            "scan_us_per_mib",
            "operator_us_per_mib",
            "row_us",
        ] {
            let value = profile[figure].as_float().expect(figure);
            assert!(
                value.is_finite() && value >= 0.0,
                "{engine}.{figure} = {value}"
            );
        }
        assert!(
            profile["startup_us"].as_float() > Some(0.0),
            "{engine}: {profile:?}"
        );
    }
}
