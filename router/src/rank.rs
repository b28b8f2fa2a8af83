//! The ranking: every engine's expected time for one resolved statement, best first.
//! Execution, fallback and `EXPLAIN ROUTE` all read the same ranking, so what EXPLAIN ROUTE
//! says runs is what runs.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use junction_engines::tables::Relation;
use junction_engines::{Engine, Health};

use crate::cost::{CostModel, Work};
use crate::fingerprint::Fingerprint;
use crate::learned::{Learned, Observed};
use crate::load::Load;

/// Exploration stops once the runner-up has this many runs of a fingerprint on record:
/// enough for its weighted mean, and a bound on what learning costs a slower engine's users.
pub const EXPLORED_RUNS: u32 = 3;

/// What the router knows of a statement before choosing, gathered once when it is routed.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub fingerprint: Fingerprint,
    pub work: Work,
    /// The relations it reads, tables and system catalogs.
    pub relations: Vec<Relation>,
}

/// Where a candidate's estimate comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// The session or statement pinned the engine; nothing was estimated.
    Pinned,
    /// This engine's own record for the statement's fingerprint.
    Learned(Observed),
    /// The model's estimate, scaled by how far the model was off for another engine's record
    /// of the same fingerprint.
    Scaled { from: &'static str, runs: u32 },
    /// The cost model alone: the fingerprint never ran. `scan_bytes` is what the model
    /// expects it to read of the tables' files, after their statistics ruled files out.
    Modeled { scan_bytes: u64 },
    /// The engine cannot read one of the relations.
    Unreadable(String),
    /// The engine is down, as its last health check or statement found it.
    Down(String),
    /// The engine failed this fingerprint lately for a reason of its own.
    Unable(Arc<str>),
    /// The statement reads only the system catalogs, which describe junction whatever the
    /// engine: this engine answers in place of the pinned one, which cannot read them.
    SystemCatalogs { pinned: &'static str },
    /// The pinned engine comes first: this engine answers the statement's request for
    /// junction's metadata or the session's identity, which that one does not serve.
    Metadata { pinned: &'static str },
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Pinned => f.write_str("pinned"),
            Basis::SystemCatalogs { pinned } => write!(
                f,
                "system catalogs only, which {pinned} (pinned) does not serve"
            ),
            Basis::Metadata { pinned } => write!(
                f,
                "answers junction's metadata, which {pinned} (pinned) does not serve"
            ),
            Basis::Learned(o) => write!(f, "learned from {} run{}", o.runs, plural(o.runs)),
            Basis::Scaled { from, runs } => write!(
                f,
                "modeled, scaled by {from}'s record of {runs} run{}",
                plural(*runs)
            ),
            Basis::Modeled { scan_bytes } => write!(f, "modeled, {scan_bytes} bytes to scan"),
            Basis::Unreadable(what) => write!(f, "cannot read {what}"),
            Basis::Down(why) => write!(f, "down: {why}"),
            Basis::Unable(why) => write!(f, "could not run it lately: {why}"),
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One engine's place in a ranking.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub engine: Arc<dyn Engine>,
    /// `None` where nothing was estimated (pinned, or ineligible).
    pub estimate: Option<Duration>,
    pub basis: Basis,
    /// Statements running on this machine that an in-process engine would share its cores
    /// with; its estimate is multiplied by one more than this. 0 for a remote engine.
    pub sharing: u32,
}

impl Candidate {
    pub fn name(&self) -> &'static str {
        self.engine.name()
    }

    /// Whether the engine may run the statement: it reads every relation, is up, and has not
    /// failed this fingerprint lately.
    pub fn eligible(&self) -> bool {
        !matches!(
            self.basis,
            Basis::Unreadable(_) | Basis::Down(_) | Basis::Unable(_)
        )
    }
}

/// A statement expected to need more memory than a statement may take on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    /// Its expected working set, in bytes.
    pub working_set: u64,
    /// `[router] local_memory`.
    pub local_memory: u64,
}

/// Engines best first. Never empty.
#[derive(Debug, Clone)]
pub struct Ranking {
    candidates: Vec<Candidate>,
    /// The first two were swapped to learn the runner-up's time.
    pub explored: bool,
    /// Set when the statement is too big for this machine and a remote engine can run it:
    /// the remote engines rank first, the in-process ones after them.
    pub memory: Option<OverBudget>,
}

impl Ranking {
    pub fn first(&self) -> &Candidate {
        // Constructed non-empty (see `rank`).
        &self.candidates[0]
    }

    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }
}

/// How the router ranks: the model, what it learned, and whether it explores.
#[derive(Debug)]
pub(crate) struct Ranker {
    pub model: CostModel,
    pub learned: Learned,
    /// Every n-th run of a fingerprint goes to the runner-up until that one has
    /// [`EXPLORED_RUNS`] runs on record; 0 never does.
    pub explore_every: u32,
    /// The memory one statement may work in on this machine.
    pub local_memory: u64,
    pub load: Load,
}

impl Ranker {
    /// The eligible-first, fastest-first order of `engines` for `inputs`; configured order
    /// among equals. `engines` is not empty.
    pub fn rank(&self, engines: &[Arc<dyn Engine>], inputs: &Inputs) -> Ranking {
        let running_here = self.load.running();
        let seen: Vec<Seen> = engines
            .iter()
            .map(|engine| Seen {
                engine: Arc::clone(engine),
                model: self.model.estimate(engine.name(), &inputs.work),
                observed: self.learned.get(inputs.fingerprint, engine.name()),
                unreadable: inputs
                    .relations
                    .iter()
                    .find(|r| !engine.reads(r))
                    .map(relation_name),
                down: match engine.health() {
                    Health::Up => None,
                    Health::Down(why) => Some(why),
                },
                unable: self.learned.unable(inputs.fingerprint, engine.name()),
            })
            .collect();
        // The engine with the longest record tells how far the model is off for this
        // statement; the others' estimates are scaled by the same factor, so a learned time
        // and a modeled one compare.
        let reference = seen
            .iter()
            .filter_map(|s| s.observed.map(|o| (s.engine.name(), s.model, o)))
            .max_by_key(|(_, _, o)| o.runs);
        let mut candidates: Vec<Candidate> = seen
            .into_iter()
            .map(|s| {
                let ineligible = match (s.unreadable, s.down, s.unable) {
                    (Some(what), _, _) => Some(Basis::Unreadable(what)),
                    (None, Some(why), _) => Some(Basis::Down(why)),
                    (None, None, Some(why)) => Some(Basis::Unable(why)),
                    (None, None, None) => None,
                };
                let (estimate, basis) = match (ineligible, s.observed, reference) {
                    (Some(basis), _, _) => (None, basis),
                    (None, Some(o), _) => (Some(micros(o.micros)), Basis::Learned(o)),
                    (None, None, Some((from, their_model, theirs))) => {
                        let factor = theirs.micros / (their_model.as_secs_f64() * 1e6).max(1.0);
                        (
                            Some(s.model.mul_f64(factor.clamp(1e-3, 1e3))),
                            Basis::Scaled {
                                from,
                                runs: theirs.runs,
                            },
                        )
                    }
                    (None, None, None) => (
                        Some(s.model),
                        Basis::Modeled {
                            scan_bytes: inputs.work.scan_bytes,
                        },
                    ),
                };
                // Each statement running here takes its share of the cores: with n
                // running, a new one gets 1/(n+1) of them.
                let sharing = if s.engine.remote() { 0 } else { running_here };
                Candidate {
                    estimate: estimate.map(|e| e.mul_f64(f64::from(sharing) + 1.0)),
                    engine: s.engine,
                    basis,
                    sharing,
                }
            })
            .collect();
        let memory = self.over_budget(&inputs.work, &candidates);
        // Stable: equal estimates keep the configured order. Over budget, the in-process
        // engines follow the remote ones.
        candidates.sort_by_key(|c| {
            (
                !c.eligible(),
                memory.is_some() && !c.engine.remote(),
                c.estimate.unwrap_or(Duration::MAX),
            )
        });
        let explored = self.explore(&mut candidates, memory.is_some());
        Ranking {
            candidates,
            explored,
            memory,
        }
    }

    /// Whether `work` is too big for this machine while a remote engine among `candidates`
    /// can run it: only then does the budget change the order.
    fn over_budget(&self, work: &Work, candidates: &[Candidate]) -> Option<OverBudget> {
        let working_set = work.working_set();
        let remote = candidates.iter().any(|c| c.eligible() && c.engine.remote());
        (working_set > self.local_memory && remote).then_some(OverBudget {
            working_set,
            local_memory: self.local_memory,
        })
    }

    /// The ranking of a pinned engine: that one alone.
    pub fn pinned(engine: Arc<dyn Engine>) -> Ranking {
        Self::only(engine, Basis::Pinned)
    }

    /// The ranking of a pinned engine: that engine, then `others` in their configured order
    /// for a request for metadata it does not serve.
    pub fn pinned_then(engine: Arc<dyn Engine>, others: Vec<Arc<dyn Engine>>) -> Ranking {
        let pinned = engine.name();
        let mut ranking = Self::pinned(engine);
        ranking
            .candidates
            .extend(others.into_iter().map(|engine| Candidate {
                engine,
                estimate: None,
                basis: Basis::Metadata { pinned },
                sharing: 0,
            }));
        ranking
    }

    /// The one engine that runs a statement, for `basis`.
    pub fn only(engine: Arc<dyn Engine>, basis: Basis) -> Ranking {
        Ranking {
            candidates: vec![Candidate {
                engine,
                estimate: None,
                basis,
                sharing: 0,
            }],
            explored: false,
            memory: None,
        }
    }

    fn explore(&self, candidates: &mut [Candidate], over_budget: bool) -> bool {
        let [first, second, ..] = candidates else {
            return false;
        };
        // Exploring never sends a statement too big for this machine to run on it.
        let onto_the_machine = over_budget && !second.engine.remote();
        if self.explore_every == 0 || !second.eligible() || onto_the_machine {
            return false;
        }
        let runs = |c: &Candidate| match &c.basis {
            Basis::Learned(o) => o.runs,
            _ => 0,
        };
        let (leader, runner_up) = (runs(first), runs(second));
        let nth = (leader + runner_up) % self.explore_every == self.explore_every - 1;
        if runner_up < EXPLORED_RUNS && nth {
            candidates.swap(0, 1);
            return true;
        }
        false
    }
}

/// What the ranking knows of one engine for the statement.
struct Seen {
    engine: Arc<dyn Engine>,
    model: Duration,
    observed: Option<Observed>,
    /// A relation the engine cannot read.
    unreadable: Option<String>,
    /// Why the engine is down.
    down: Option<String>,
    /// Why it could not run the fingerprint lately.
    unable: Option<Arc<str>>,
}

fn micros(micros: f64) -> Duration {
    Duration::from_secs_f64(micros.max(0.0) / 1e6)
}

fn relation_name(relation: &Relation) -> String {
    match relation {
        Relation::Table(name) => format!("{}.{}.{}", name.catalog, name.schema, name.table),
        Relation::System(name) => name.clone(),
    }
}
