//! The router's choices with engines whose behaviour the test fixes: which engine runs a
//! statement, in what order the others take over, what it learns, and that EXPLAIN ROUTE
//! names the engine that then runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::datatypes::Schema;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::EmptyRecordBatchStream;
use datafusion::scalar::ScalarValue;
use junction_catalogs::{Catalogs, WarehouseCatalog};
use junction_engines::tables::Relation;
use junction_engines::{Described, Engine, EngineError, Explanation, Health, QueryContext};
use junction_router::{Choice, CostModel, EngineProfile, Route, Router};
use junction_transpiler::TypeOracle;
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// An engine that answers nothing, or fails as told, and counts its runs.
#[derive(Debug)]
struct Fake {
    name: &'static str,
    /// Fails every statement with this SQLSTATE's kind of error.
    fails: Option<fn() -> EngineError>,
    reads_system_catalogs: bool,
    on_another_machine: bool,
    health: Mutex<Health>,
    runs: AtomicUsize,
}

impl Fake {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            fails: None,
            reads_system_catalogs: true,
            on_another_machine: false,
            health: Mutex::new(Health::Up),
            runs: AtomicUsize::new(0),
        }
    }

    fn on_another_machine(mut self) -> Self {
        self.on_another_machine = true;
        self
    }

    fn set_health(&self, health: Health) {
        *self.health.lock().expect("health") = health;
    }

    fn failing(mut self, error: fn() -> EngineError) -> Self {
        self.fails = Some(error);
        self
    }

    fn without_system_catalogs(mut self) -> Self {
        self.reads_system_catalogs = false;
        self
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

fn unsupported() -> EngineError {
    EngineError::Unsupported("the fake cannot".to_owned())
}

fn metadata() -> EngineError {
    EngineError::Transpile(junction_transpiler::TranspileError::Metadata(
        "the fake does not serve current_schema".to_owned(),
    ))
}

fn down() -> EngineError {
    EngineError::Unavailable("the fake is down".to_owned())
}

fn data_error() -> EngineError {
    EngineError::DuckDb {
        message: "division by zero".to_owned(),
        sqlstate: "22012",
        function: None,
    }
}

#[async_trait]
impl Engine for Fake {
    fn name(&self) -> &'static str {
        self.name
    }

    fn reads(&self, relation: &Relation) -> bool {
        self.reads_system_catalogs || matches!(relation, Relation::Table(_))
    }

    fn remote(&self) -> bool {
        self.on_another_machine
    }

    fn health(&self) -> Health {
        self.health.lock().expect("health").clone()
    }

    async fn describe(
        &self,
        _ctx: &QueryContext,
        _statement: &Statement,
        _types: &dyn TypeOracle,
    ) -> Result<Described, EngineError> {
        match self.fails {
            Some(error) => Err(error()),
            None => Ok(Described {
                schema: Arc::new(Schema::empty()),
                parameters: Vec::new(),
            }),
        }
    }

    async fn explain(
        &self,
        _ctx: &QueryContext,
        statement: &Statement,
        _types: &dyn TypeOracle,
    ) -> Explanation {
        Explanation {
            table_access: Vec::new(),
            sql: statement.to_string(),
            unable: self.fails.map(|error| error()),
        }
    }

    async fn execute(
        &self,
        _ctx: &QueryContext,
        _statement: &Statement,
        _types: &dyn TypeOracle,
        _parameters: &[ScalarValue],
    ) -> Result<SendableRecordBatchStream, EngineError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        match self.fails {
            Some(error) => Err(error()),
            None => Ok(Box::pin(EmptyRecordBatchStream::new(Arc::new(
                Schema::empty(),
            )))),
        }
    }
}

/// Profiles where only the fixed cost differs: `startup_us` per engine.
fn model(startups: &[(&str, f64)]) -> CostModel {
    CostModel {
        engine: startups
            .iter()
            .map(|(name, startup_us)| {
                (
                    (*name).to_owned(),
                    EngineProfile {
                        startup_us: *startup_us,
                        table_us: 0.0,
                        scan_us_per_mib: 1.0,
                        operator_us_per_mib: 1.0,
                        row_us: 0.0,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
    }
}

struct Fixture {
    router: Router,
    ctx: QueryContext,
    engines: Vec<Arc<Fake>>,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(engines: Vec<Fake>, model: CostModel) -> Fixture {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "junction-ranking-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let catalogs = Catalogs::new(
        vec![Arc::new(WarehouseCatalog::new("junction", &dir))],
        "junction",
    )
    .expect("one catalog");
    let engines: Vec<Arc<Fake>> = engines.into_iter().map(Arc::new).collect();
    let dyn_engines = engines
        .iter()
        .map(|e| Arc::clone(e) as Arc<dyn Engine>)
        .collect();
    let ctx = QueryContext {
        catalog: "junction".to_owned(),
        search_path: vec!["public".to_owned()],
        user: "test".to_owned(),
        backend_pid: 1,
        catalogs: catalogs.clone(),
        settings: Vec::new(),
    };
    Fixture {
        router: Router::new(catalogs, dyn_engines).with_cost_model(model),
        ctx,
        engines,
        _dir: TempDir(dir),
    }
}

fn parse(sql: &str) -> Statement {
    Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .expect("parses")
        .remove(0)
}

impl Fixture {
    async fn route(&self, sql: &str, choice: Choice<'_>) -> Route {
        self.router
            .route(&self.ctx, &parse(sql), choice)
            .await
            .expect("routes")
    }

    /// Runs `sql` as the gateway does; the engine that ran it, and the fallback notice.
    async fn run(
        &self,
        sql: &str,
        choice: Choice<'_>,
    ) -> Result<(&'static str, Option<String>), EngineError> {
        let route = self.route(sql, choice).await;
        let route = &route;
        let ran = self
            .router
            .attempt(route, |engine| async move {
                engine
                    .execute(&self.ctx, &route.statement, &route.types, &[])
                    .await
            })
            .await?;
        Ok((ran.engine, ran.fallback_notice))
    }

    /// A CSV table `public.<table>` of about `bytes` bytes, one integer column `a`.
    fn write_csv(&self, table: &str, bytes: usize) {
        let schema = self._dir.0.join("public");
        std::fs::create_dir_all(&schema).expect("schema folder");
        let text = format!("a\n{}", "1\n".repeat(bytes / 2));
        std::fs::write(schema.join(format!("{table}.csv")), text).expect("write the table");
    }

    /// EXPLAIN ROUTE's reason for `engine`.
    async fn explained_reason(&self, sql: &str, engine: &str) -> (bool, String) {
        let route = self.route(sql, Choice::Auto).await;
        let lines = self.router.explain(&self.ctx, &route, Choice::Auto).await;
        let line = lines.iter().find(|l| l.engine == engine).expect("a line");
        (line.eligible, line.reason.clone())
    }

    /// The engine EXPLAIN ROUTE marks chosen.
    async fn explained_choice(&self, sql: &str, choice: Choice<'_>) -> &'static str {
        let route = self.route(sql, choice).await;
        let lines = self.router.explain(&self.ctx, &route, choice).await;
        let chosen: Vec<_> = lines
            .iter()
            .filter(|l| l.chosen)
            .map(|l| l.engine)
            .collect();
        assert_eq!(chosen.len(), 1, "one chosen line: {lines:?}");
        chosen[0]
    }
}

#[tokio::test]
async fn auto_runs_the_engine_expected_soonest_whatever_the_configured_order() {
    let f = fixture(
        vec![Fake::new("slow"), Fake::new("quick")],
        model(&[("slow", 900.0), ("quick", 100.0)]),
    );
    assert_eq!(f.explained_choice("SELECT 1", Choice::Auto).await, "quick");
    assert_eq!(
        f.run("SELECT 1", Choice::Auto).await.expect("runs"),
        ("quick", None)
    );
    assert_eq!((f.engines[0].runs(), f.engines[1].runs()), (0, 1));
}

#[tokio::test]
async fn equal_estimates_keep_the_configured_order() {
    let f = fixture(
        vec![Fake::new("a"), Fake::new("b")],
        model(&[("a", 100.0), ("b", 100.0)]),
    );
    assert_eq!(f.run("SELECT 1", Choice::Auto).await.expect("runs").0, "a");
}

#[tokio::test]
async fn what_a_statement_took_outweighs_the_model() {
    let f = fixture(
        vec![Fake::new("slow"), Fake::new("quick")],
        model(&[("slow", 900.0), ("quick", 100.0)]),
    );
    let sql = "SELECT 1 + 2";
    let route = f.route(sql, Choice::Auto).await;
    assert_eq!(route.engine().name(), "quick");
    // The model thought "quick" 9x faster; each has run it once, and "slow" was faster.
    f.router
        .observer(&route, "quick")
        .finish(Duration::from_millis(40), 1);
    f.router
        .observer(&route, "slow")
        .finish(Duration::from_millis(4), 1);
    assert_eq!(f.route(sql, Choice::Auto).await.engine().name(), "slow");
    assert_eq!(f.explained_choice(sql, Choice::Auto).await, "slow");
    // The same statement with other literals is the same fingerprint.
    assert_eq!(
        f.run("SELECT 7 + 8", Choice::Auto).await.expect("runs").0,
        "slow"
    );
    // A different statement still follows the model.
    assert_eq!(
        f.run("SELECT 1 - 2", Choice::Auto).await.expect("runs").0,
        "quick"
    );
}

#[tokio::test]
async fn an_engine_without_a_record_is_estimated_by_the_model_scaled_to_the_other_s_record() {
    let f = fixture(
        vec![Fake::new("a"), Fake::new("b")],
        model(&[("a", 1_000.0), ("b", 2_000.0)]),
    );
    let sql = "SELECT 1";
    let route = f.route(sql, Choice::Auto).await;
    assert_eq!(route.engine().name(), "a");
    // "a" took 10x the model's figure: "b" is scaled the same, and stays behind.
    f.router
        .observer(&route, "a")
        .finish(Duration::from_millis(10), 1);
    let route = f.route(sql, Choice::Auto).await;
    let estimates: Vec<_> = route
        .ranking
        .candidates()
        .iter()
        .map(|c| (c.name(), c.estimate.map(|d| d.as_micros())))
        .collect();
    assert_eq!(estimates, vec![("a", Some(10_000)), ("b", Some(20_000))]);
}

#[tokio::test]
async fn fallback_follows_the_ranking_and_says_which_engines_and_why() {
    let f = fixture(
        vec![
            Fake::new("third"),
            Fake::new("first").failing(unsupported),
            Fake::new("second"),
        ],
        model(&[("first", 100.0), ("second", 200.0), ("third", 300.0)]),
    );
    let (engine, notice) = f.run("SELECT 1", Choice::Auto).await.expect("falls back");
    assert_eq!(engine, "second");
    let notice = notice.expect("a notice");
    assert!(
        notice.contains("first") && notice.contains("second"),
        "{notice}"
    );
    assert!(notice.contains("the fake cannot"), "{notice}");
    assert_eq!(f.engines[0].runs(), 0, "the third never ran");
    // EXPLAIN ROUTE says the same: the first eligible engine of the ranking.
    assert_eq!(f.explained_choice("SELECT 1", Choice::Auto).await, "second");
}

#[tokio::test]
async fn an_engine_that_is_down_hands_over_too() {
    let f = fixture(
        vec![Fake::new("down").failing(down), Fake::new("up")],
        model(&[("down", 100.0), ("up", 200.0)]),
    );
    assert_eq!(f.run("SELECT 1", Choice::Auto).await.expect("runs").0, "up");
}

#[tokio::test]
async fn a_data_error_is_the_answer_not_a_reason_to_fall_back() {
    let f = fixture(
        vec![Fake::new("a").failing(data_error), Fake::new("b")],
        model(&[("a", 100.0), ("b", 200.0)]),
    );
    let error = f.run("SELECT 1/0", Choice::Auto).await.expect_err("fails");
    assert_eq!(error.sqlstate(), "22012");
    assert_eq!(f.engines[1].runs(), 0);
}

#[tokio::test]
async fn a_pinned_engine_runs_or_fails_never_falls_back() {
    let f = fixture(
        vec![Fake::new("a").failing(unsupported), Fake::new("b")],
        model(&[("a", 900.0), ("b", 100.0)]),
    );
    let error = f
        .run("SELECT 1", Choice::Session("a"))
        .await
        .expect_err("pinned");
    assert_eq!(error.sqlstate(), "0A000");
    assert_eq!(f.engines[1].runs(), 0);
    assert_eq!(f.explained_choice("SELECT 1", Choice::Hint("a")).await, "a");
    let error = f
        .router
        .route(&f.ctx, &parse("SELECT 1"), Choice::Session("trino"))
        .await
        .expect_err("unknown engine");
    assert_eq!(error.sqlstate(), "22023");
}

#[tokio::test]
async fn metadata_the_pinned_engine_does_not_serve_is_answered_by_another() {
    // SQLAlchemy's `select current_schema()` with the session pinned to DuckDB.
    let f = fixture(
        vec![Fake::new("a").failing(metadata), Fake::new("b")],
        model(&[("a", 100.0), ("b", 900.0)]),
    );
    let (engine, notice) = f
        .run("SELECT 1", Choice::Session("a"))
        .await
        .expect("runs on b");
    assert_eq!(engine, "b");
    let notice = notice.expect("a NOTICE says so");
    assert!(
        notice.contains("a could not run") && notice.contains("ran on b"),
        "{notice}"
    );
    assert_eq!(
        f.explained_choice("SELECT 1", Choice::Session("a")).await,
        "b"
    );
    let route = f.route("SELECT 1", Choice::Session("a")).await;
    let lines = f.router.explain(&f.ctx, &route, Choice::Session("a")).await;
    let line = lines.iter().find(|l| l.engine == "b").expect("b's line");
    assert!(
        line.reason.contains("junction's metadata"),
        "{}",
        line.reason
    );
}

#[tokio::test]
async fn an_engine_that_cannot_read_a_relation_is_ranked_last_and_never_tried() {
    let f = fixture(
        vec![
            Fake::new("no_catalogs").without_system_catalogs(),
            Fake::new("catalogs").failing(unsupported),
        ],
        model(&[("no_catalogs", 100.0), ("catalogs", 900.0)]),
    );
    let sql = "SELECT count(*) FROM pg_catalog.pg_class";
    let route = f.route(sql, Choice::Auto).await;
    assert_eq!(route.engine().name(), "catalogs");
    // The readable engine fails: its error stands, the unreadable one is not tried.
    let error = f.run(sql, Choice::Auto).await.expect_err("fails");
    assert_eq!(error.sqlstate(), "0A000");
    assert_eq!(f.engines[0].runs(), 0);
    let route = f.route(sql, Choice::Auto).await;
    let lines = f.router.explain(&f.ctx, &route, Choice::Auto).await;
    let unreadable = lines
        .iter()
        .find(|l| l.engine == "no_catalogs")
        .expect("line");
    assert!(!unreadable.eligible);
    assert!(
        unreadable
            .reason
            .contains("cannot read pg_catalog.pg_class"),
        "{}",
        unreadable.reason
    );
}

#[tokio::test]
async fn exploration_sends_every_nth_run_to_the_runner_up_until_it_has_a_record() {
    let f = fixture(
        vec![Fake::new("a"), Fake::new("b")],
        model(&[("a", 100.0), ("b", 200.0)]),
    );
    let router = f.router.with_exploration(3);
    let mut engines = Vec::new();
    for _ in 0..14 {
        let route = router
            .route(&f.ctx, &parse("SELECT 1"), Choice::Auto)
            .await
            .expect("routes");
        let engine = route.engine().name();
        engines.push(engine);
        let took = if engine == "a" { 1 } else { 5 };
        router
            .observer(&route, engine)
            .finish(Duration::from_millis(took), 1);
    }
    // Every third run goes to the runner-up, until it has 3 runs on record; "a" stays first
    // as it was faster.
    assert_eq!(
        engines,
        ["a", "a", "b", "a", "a", "b", "a", "a", "b", "a", "a", "a", "a", "a"]
    );
}

#[tokio::test]
async fn without_exploration_the_runner_up_never_runs() {
    let f = fixture(
        vec![Fake::new("a"), Fake::new("b")],
        model(&[("a", 100.0), ("b", 200.0)]),
    );
    for _ in 0..10 {
        let route = f.route("SELECT 1", Choice::Auto).await;
        assert_eq!(route.engine().name(), "a");
        f.router
            .observer(&route, "a")
            .finish(Duration::from_millis(1), 1);
    }
}

#[tokio::test]
async fn an_engine_that_could_not_run_a_statement_is_not_tried_for_it_again() {
    let f = fixture(
        vec![Fake::new("first").failing(unsupported), Fake::new("second")],
        model(&[("first", 100.0), ("second", 200.0)]),
    );
    let (engine, notice) = f.run("SELECT 1", Choice::Auto).await.expect("falls back");
    assert_eq!((engine, notice.is_some()), ("second", true));
    // The same statement with another literal goes straight to the engine that can.
    let (engine, notice) = f.run("SELECT 2", Choice::Auto).await.expect("runs");
    assert_eq!((engine, notice), ("second", None));
    assert_eq!(f.engines[0].runs(), 1);
    let route = f.route("SELECT 3", Choice::Auto).await;
    let first = &route.ranking.candidates()[1];
    assert_eq!(first.name(), "first");
    assert!(!first.eligible());
    assert!(
        first.basis.to_string().contains("the fake cannot"),
        "{}",
        first.basis
    );
    // Another statement still tries it.
    assert!(f
        .run("SELECT 1 + 1", Choice::Auto)
        .await
        .expect("runs")
        .1
        .is_some());
}

#[tokio::test]
async fn an_engine_that_is_down_is_neither_chosen_nor_tried_until_it_is_up_again() {
    let f = fixture(
        vec![Fake::new("quick"), Fake::new("slow")],
        model(&[("quick", 100.0), ("slow", 900.0)]),
    );
    f.engines[0].set_health(Health::Down(
        "fake at fake://q cannot be reached".to_owned(),
    ));
    assert_eq!(
        f.run("SELECT 1", Choice::Auto).await.expect("runs"),
        ("slow", None),
        "no failed attempt, so no fallback notice"
    );
    assert_eq!(f.engines[0].runs(), 0);
    assert_eq!(f.explained_choice("SELECT 1", Choice::Auto).await, "slow");
    let (eligible, reason) = f.explained_reason("SELECT 1", "quick").await;
    assert!(!eligible);
    assert!(
        reason.contains("down") && reason.contains("fake://q"),
        "{reason}"
    );
    // Pinned, it is tried all the same: its own error says what is wrong.
    assert_eq!(
        f.run("SELECT 1", Choice::Session("quick"))
            .await
            .expect("runs")
            .0,
        "quick"
    );
    f.engines[0].set_health(Health::Up);
    assert_eq!(
        f.run("SELECT 1", Choice::Auto).await.expect("runs").0,
        "quick"
    );
}

#[tokio::test]
async fn work_too_big_for_this_machine_runs_on_a_remote_engine_that_can_run_it() {
    let mut f = fixture(
        vec![Fake::new("local"), Fake::new("remote").on_another_machine()],
        model(&[("local", 100.0), ("remote", 50_000.0)]),
    );
    f.write_csv("readings", 4096);
    // Grouping 4 kB of file works in about 16 kB: over an 8 kB budget.
    f.router = f.router.with_local_memory(8 * 1024).with_exploration(2);
    let grouped = "SELECT a, count(*) FROM readings GROUP BY a";
    assert_eq!(
        f.run(grouped, Choice::Auto).await.expect("runs"),
        ("remote", None)
    );
    assert_eq!(f.explained_choice(grouped, Choice::Auto).await, "remote");
    let (_, reason) = f.explained_reason(grouped, "remote").await;
    assert!(
        reason.contains("too big for this machine") && reason.contains("local_memory 8.0 kB"),
        "{reason}"
    );
    let (eligible, reason) = f.explained_reason(grouped, "local").await;
    assert!(eligible, "it may still take over: {reason}");
    assert!(reason.contains("too big for this machine"), "{reason}");
    // What the local engine took does not bring the statement back, nor does exploring.
    let route = f.route(grouped, Choice::Auto).await;
    f.router
        .observer(&route, "local")
        .finish(Duration::from_micros(10), 1);
    for _ in 0..4 {
        assert_eq!(
            f.run(grouped, Choice::Auto).await.expect("runs").0,
            "remote"
        );
    }
    assert_eq!(f.engines[0].runs(), 0);
    // A statement that streams its rows needs no more memory for a bigger table.
    assert_eq!(
        f.run("SELECT a FROM readings WHERE a > 0", Choice::Auto)
            .await
            .expect("runs")
            .0,
        "local"
    );
    // Without a remote engine up, the machine runs it anyway, and says nothing of memory.
    f.engines[1].set_health(Health::Down("remote is unreachable".to_owned()));
    assert_eq!(
        f.run(grouped, Choice::Auto).await.expect("runs"),
        ("local", None)
    );
    let (_, reason) = f.explained_reason(grouped, "local").await;
    assert!(!reason.contains("too big"), "{reason}");
}

#[tokio::test]
async fn statements_running_here_make_a_remote_engine_the_sooner_one() {
    let f = fixture(
        vec![Fake::new("local"), Fake::new("remote").on_another_machine()],
        model(&[("local", 1_000.0), ("remote", 2_500.0)]),
    );
    let sql = "SELECT 1";
    let route = f.route(sql, Choice::Auto).await;
    assert_eq!(route.engine().name(), "local");
    // Two statements run in process, sharing the cores with a third: 3 ms against 2.5 ms.
    let first = f.router.observer(&route, "local");
    let second = f.router.observer(&route, "local");
    // A statement running remotely takes nothing from this machine.
    let _remote = f.router.observer(&route, "remote");
    assert_eq!(f.route(sql, Choice::Auto).await.engine().name(), "remote");
    let (_, reason) = f.explained_reason(sql, "local").await;
    assert!(
        reason.contains("×3 for 2 statements running in process"),
        "{reason}"
    );
    // One finishes, one is dropped before its end (a cancel): the machine is free again.
    first.finish(Duration::from_millis(1), 1);
    drop(second);
    assert_eq!(f.route(sql, Choice::Auto).await.engine().name(), "local");
}
