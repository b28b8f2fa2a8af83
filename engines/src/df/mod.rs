//! Apache DataFusion, in process: plans the sqlparser AST directly (no re-parse).

mod age;
mod arithmetic;
mod bytea_formats;
mod case_mapping;
mod catalog_functions;
mod catalog_list;
mod checked_function;
mod clock;
mod decimal_frames;
mod domain_checks;
mod encodings;
pub(crate) mod error;
mod exact_sums;
mod expand_array;
mod float_text_udf;
mod format_type;
mod function_signatures;
mod identity;
mod integer_series;
mod interval_order;
mod intervals;
pub(crate) mod json_build_object;
mod json_functions;
mod json_text;
pub(crate) mod json_values;
pub(crate) mod jsonb_exists;
mod like_escape;
mod local_time;
mod memory;
mod mode;
mod name_type;
mod not_in;
mod ntile;
mod numeric_rounding;
mod object_names;
mod operators;
mod pg_attribute;
mod pg_catalog;
mod pg_catalog_arrays;
mod pg_catalog_types;
mod pg_class;
mod pg_collation;
mod pg_database;
mod pg_namespace;
mod pg_settings;
mod pg_typeof;
mod pg_user_mappings;
mod plan_expressions;
mod power;
mod privileges;
mod regtype;
mod scalar_subquery;
mod server_views;
mod sql_type_name;
mod text_casts;
mod text_size;
mod time_zones;
mod to_char_number;
mod unknown_names;
mod width_bucket;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::memory_pool::MemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::execution::{FunctionRegistry, SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::planner::ExprPlanner;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion_pg_catalog::pg_catalog::PgCatalogStaticTables;
use junction_catalogs::{Catalogs, Storage, TableFormat};
use junction_transpiler::{Dialect, TypeOracle};
use sqlparser::ast::Statement;

use crate::server::{NoServer, ServerViews};
use crate::{tables, Described, Engine, EngineError, Explanation, QueryContext, Result};
use catalog_list::QueryCatalogList;
pub use expand_array::NAME as PG_EXPANDARRAY_FUNCTION;
pub use json_build_object::JSON_EXTENSION;
use memory::Memory;
pub use memory::Relief;
use pg_catalog::PgCatalogs;

/// `shared` with a statement's own memory pool.
fn statement_runtime(shared: &Arc<RuntimeEnv>, pool: Arc<dyn MemoryPool>) -> Arc<RuntimeEnv> {
    let mut runtime = RuntimeEnv::clone(shared);
    runtime.memory_pool = pool;
    Arc::new(runtime)
}

/// The DataFusion engine.
#[derive(Debug)]
pub struct DataFusionEngine {
    /// Functions and settings every query starts from; each query clones it and adds its
    /// session's catalog list and identity functions.
    base: SessionState,
    /// One pg_catalog per catalog (and per Nessie reference read), kept so that OIDs stay
    /// stable between the queries of a client (psql looks tables up by OID in a second query).
    pg_catalogs: Arc<PgCatalogs>,
    /// What the statements may reserve, together and each.
    memory: Memory,
    /// The server's sessions and statements: pg_stat_activity, pg_stat_statements.
    server: Arc<dyn ServerViews>,
}

impl DataFusionEngine {
    /// Serves pg_stat_activity, pg_stat_statements and the functions that act on them
    /// from `server`; without it they show an idle server.
    pub fn with_server(mut self, server: Arc<dyn ServerViews>) -> Self {
        self.server = server;
        self
    }

    /// Bounds the memory of all statements together at `total` and of each at
    /// `per_statement`: past either, the operators that can spill to disk do, and the
    /// statement fails with 53200 when one that cannot needs more.
    pub fn with_memory(mut self, total: Option<u64>, per_statement: Option<u64>) -> Self {
        self.memory = Memory::new(total, per_statement);
        self
    }

    /// Stops the running statement that holds the most memory (if at least `least` bytes),
    /// the server being over its memory bound: it fails with 53200 and `why` at its next
    /// reservation.
    pub fn stop_largest_statement(&self, least: usize, why: &str) -> Relief {
        self.memory.stop_largest(least, why)
    }

    /// DataFusion over `catalogs`, reading object storage through `storage`.
    pub fn try_new(catalogs: Catalogs, storage: &Storage) -> Result<Self> {
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_create_default_catalog_and_schema(true);
        // PostgreSQL reads `2.5` as numeric, not as a float.
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        // DataFusion's TopK aggregation (GROUP BY k ORDER BY k LIMIT n, DISTINCT ... LIMIT n)
        // drops the NULL group: `SELECT x FROM (VALUES (NULL), (1)) t(x) GROUP BY x ORDER BY
        // 1 LIMIT 5` answers one row. Found by the differential fuzzer (conformance/).
        config.options_mut().optimizer.enable_topk_aggregation = false;
        // An aggregate over an expression the simplifier reduced to an Iceberg column (`CASE
        // WHEN true THEN c END`) keeps the column's Parquet field-id metadata physically but
        // not logically, and DataFusion's check of the two schemas failed the statement
        // (XX000). Only metadata differs there; the check is DataFusion's own workaround
        // switch for such planner bugs.
        config
            .options_mut()
            .execution
            .skip_physical_aggregate_schema_check = true;
        // `timestamptz` is a timestamp with a zone; without one DataFusion casts to none.
        config.options_mut().execution.time_zone = Some("+00:00".to_owned());
        // DataFusion caches directory listings for ever by default; a warehouse query must see
        // every file committed before it started (DESIGN.md, "Freshness").
        let cache = CacheManagerConfig {
            list_files_cache_limit: 0,
            ..Default::default()
        };
        // Each statement gets its memory pool in `state_for` (`memory`). DataFusion's
        // accounting counts buffers that batches share (string views into one decoded page)
        // once per batch, so a tight bound fails some queries that would fit
        // (benches/README.md, "memory", measures it on TPC-H).
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(cache)
            .with_object_store_registry(Arc::new(storage.clone()))
            .build_arc()?;
        let mut ctx = SessionContext::new_with_config_rt(config, runtime);
        // Registers pg_catalog's functions (pg_get_userbyid, format_type, ...) into the base
        // state; its pg_catalog schema lands in the throwaway default catalog, which queries
        // never see because each query brings its own catalog list.
        datafusion_pg_catalog::setup_pg_catalog(
            &ctx,
            "datafusion",
            datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider,
        )
        .map_err(|e| EngineError::from(*e))?;
        // Its pg_get_userbyid answers text; PostgreSQL's a name.
        if let Ok(owner) = FunctionRegistry::udf(&ctx, "pg_get_userbyid") {
            ctx.register_udf(name_type::named(owner.as_ref().clone()));
        }
        ctx.register_udf(name_type::name_cast_udf());
        let static_tables = Arc::new(PgCatalogStaticTables::try_new().map_err(EngineError::from)?);
        ctx.register_udf(regtype::to_regtype_udf(&static_tables.pg_type)?);
        ctx.register_udf(format_type::format_type_udf(Arc::new(
            format_type::Types::try_new(&static_tables.pg_type)?,
        )));
        ctx.register_udf(catalog_functions::pg_get_serial_sequence_udf());
        for (name, table) in [
            ("pg_collation_is_visible", &static_tables.pg_collation),
            ("pg_type_is_visible", &static_tables.pg_type),
            ("pg_function_is_visible", &static_tables.pg_proc),
            ("pg_operator_is_visible", &static_tables.pg_operator),
            ("pg_opclass_is_visible", &static_tables.pg_opclass),
            ("pg_opfamily_is_visible", &static_tables.pg_opfamily),
            ("pg_conversion_is_visible", &static_tables.pg_conversion),
            (
                "pg_statistics_obj_is_visible",
                &static_tables.pg_statistic_ext,
            ),
            ("pg_ts_config_is_visible", &static_tables.pg_ts_config),
            ("pg_ts_dict_is_visible", &static_tables.pg_ts_dict),
            ("pg_ts_parser_is_visible", &static_tables.pg_ts_parser),
            ("pg_ts_template_is_visible", &static_tables.pg_ts_template),
        ] {
            ctx.register_udf(catalog_functions::is_visible_udf(name, table)?);
        }
        ctx.register_udf(catalog_functions::obj_description_udf());
        ctx.register_udf(catalog_functions::pg_get_indexdef_udf());
        ctx.register_udf(catalog_functions::pg_get_expr_udf());
        ctx.register_udf(catalog_functions::shobj_description_udf());
        ctx.register_udf(catalog_functions::col_description_udf());
        ctx.register_udf(catalog_functions::pg_get_function_sqlbody_udf());
        ctx.register_udf(catalog_functions::unknown_setting_udf());
        ctx.register_udf(expand_array::udf());
        ctx.register_udf(jsonb_exists::udf());
        ctx.register_udf(catalog_functions::pg_tablespace_location_udf());
        for name in catalog_functions::SIZE_FUNCTIONS {
            ctx.register_udf(catalog_functions::size_udf(name));
        }
        let signatures = Arc::new(function_signatures::Signatures::try_new(
            &static_tables.pg_proc,
            &static_tables.pg_type,
            &static_tables.pg_language,
        )?);
        ctx.register_udf(function_signatures::functiondef_udf(Arc::clone(
            &signatures,
        )));
        let names = Arc::new(object_names::Names::try_new(
            Arc::clone(&signatures),
            &static_tables.pg_type,
        )?);
        for of in object_names::ObjectType::ALL {
            for printed in [false, true] {
                ctx.register_udf(object_names::udf(of, printed, Arc::clone(&names)));
            }
        }
        ctx.register_udf(object_names::regclass_found_udf());
        ctx.register_udf(object_names::describe_object_udf(Arc::clone(&names)));
        ctx.register_udf(object_names::quote_ident_udf());
        ctx.register_udf(object_names::format_identifier_udf());
        for which in [
            function_signatures::Signature::Result,
            function_signatures::Signature::Arguments,
            function_signatures::Signature::IdentityArguments,
        ] {
            ctx.register_udf(function_signatures::udf(which, Arc::clone(&signatures)));
        }
        ctx.register_udf(catalog_functions::pg_size_pretty_udf());
        ctx.register_udf(encodings::pg_char_to_encoding_udf());
        ctx.register_udf(encodings::pg_encoding_to_char_udf());
        ctx.register_udf(encodings::getdatabaseencoding_udf());
        ctx.register_udf(json_build_object::json_build_object_udf());
        ctx.register_udf(time_zones::timezone_udf());
        ctx.register_udf(intervals::make_interval_udf());
        for which in [
            intervals::Justify::Hours,
            intervals::Justify::Days,
            intervals::Justify::Interval,
        ] {
            ctx.register_udf(intervals::justify_udf(which));
        }
        for udf in text_size::udfs() {
            ctx.register_udf(udf);
        }
        for udf in domain_checks::udfs() {
            ctx.register_udf(udf);
        }
        ctx.register_udf(bytea_formats::encode_udf());
        ctx.register_udf(bytea_formats::decode_udf());
        ctx.register_udf(case_mapping::upper_udf());
        ctx.register_udf(case_mapping::lower_udf());
        ctx.register_udf(width_bucket::width_bucket_udf());
        ctx.register_udf(power::power_udf());
        ctx.register_udf(like_escape::like_escape_udf());
        ctx.register_udf(sql_type_name::sql_type_name_udf());
        ctx.register_udf(clock::clock_timestamp_udf());
        ctx.register_udf(float_text_udf::float_text_udf());
        ctx.register_udf(float_text_udf::timestamp_text_udf());
        ctx.register_udf(float_text_udf::interval_text_udf());
        ctx.register_udf(age::age_udf());
        ctx.register_udf(age::make_timestamp_udf());
        ctx.register_udf(mode::mode_udf());
        ctx.register_udf(pg_typeof::pg_typeof_udf());
        ctx.register_udf(json_text::json_udf());
        ctx.register_udf(json_text::jsonb_udf());
        ctx.register_udf(json_text::jsonb_concat_udf());
        for udf in json_functions::udfs() {
            ctx.register_udf(udf);
        }
        ctx.register_udf(to_char_number::to_char_number_udf());
        ctx.register_udtf("generate_series", Arc::new(integer_series::GenerateSeries));
        ctx.register_udwf(ntile::ntile_udwf());
        ctx.register_udaf(scalar_subquery::scalar_subquery_udaf());
        // Called by name for averages (the transpiler's exact_average); the operator planner
        // calls it for `/`.
        ctx.register_udf(arithmetic::numeric_divide_udf().as_ref().clone());
        for how in [
            numeric_rounding::Rounding::Round,
            numeric_rounding::Rounding::Trunc,
            numeric_rounding::Rounding::Floor,
            numeric_rounding::Rounding::Ceil,
        ] {
            ctx.register_udf(numeric_rounding::udf(how));
        }
        // The functions the transpiler turns PostgreSQL's JSON operators into.
        datafusion_functions_json::register_all(&mut ctx)?;
        let pg_catalogs = PgCatalogs::new(&catalogs, static_tables)?;
        // PostgreSQL's operators before DataFusion's own planners, which would otherwise
        // claim the same expressions.
        let state = ctx.state();
        let mut planners: Vec<Arc<dyn ExprPlanner>> =
            vec![Arc::new(operators::PgOperators::default())];
        planners.extend(state.expr_planners().iter().cloned());
        let rules = not_in::with_rule(state.optimizers());
        let mut analyzer_rules = interval_order::with_rules(&state.analyzer().rules);
        analyzer_rules.push(Arc::new(decimal_frames::DecimalFrames));
        analyzer_rules.push(Arc::new(text_casts::TextCasts));
        analyzer_rules.push(Arc::new(exact_sums::ExactSums));
        let base = SessionStateBuilder::new_from_existing(state)
            .with_expr_planners(planners)
            .with_optimizer_rules(rules)
            .with_analyzer_rules(analyzer_rules)
            .build();
        Ok(Self {
            base,
            pg_catalogs: Arc::new(pg_catalogs),
            memory: Memory::default(),
            server: Arc::new(NoServer),
        })
    }

    /// A session state for one query of the session `ctx`.
    async fn state_for(&self, ctx: &QueryContext, statement: &Statement) -> Result<SessionState> {
        let Some(catalog) = ctx.catalogs.get(&ctx.catalog) else {
            return Err(EngineError::CatalogNotFound(ctx.catalog.clone()));
        };
        // current_schema() and unqualified names see only schemas that exist, as in PostgreSQL.
        let existing = catalog.schema_names().await?;
        let search_path: Vec<String> = ctx
            .search_path
            .iter()
            .filter(|s| existing.contains(s))
            .cloned()
            .collect();
        let list = QueryCatalogList::new(
            ctx.catalogs.clone(),
            self.pg_catalogs.for_catalogs(&ctx.catalogs)?,
            ctx.settings.clone(),
            (Arc::clone(&self.server), &ctx.user),
            &ctx.catalog,
            catalog_list::mentions_information_schema(statement),
        )
        .await?;
        // A clone of the base state, changed in place: `SessionStateBuilder::build` would
        // register every one of DataFusion's ~500 functions again, the most expensive part
        // of a small statement's planning. No function reads the two settings changed here
        // (a builder hands functions the new configuration; the base's is theirs already).
        // The statement's memory pool joins when it runs (`execute`): planning reserves none.
        let mut state = self.base.clone();
        let default_schema = search_path.first().map_or("public", String::as_str);
        let catalog_options = &mut state.config_mut().options_mut().catalog;
        catalog_options.default_catalog = ctx.catalog.clone();
        catalog_options.default_schema = default_schema.to_owned();
        state.register_catalog_list(Arc::new(list));
        // The base state's clock stopped when it was made; each query starts its own (the
        // functions junction does not bind to the session's clock read it), and its own
        // snapshot of the configuration just set.
        state.mark_start_execution();
        identity::register(&mut state, ctx, &search_path)?;
        privileges::register(&mut state, ctx)?;
        server_views::register(&mut state, ctx, &self.server)?;
        Ok(state)
    }

    async fn plan(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<(SessionState, LogicalPlan)> {
        let state = self.state_for(ctx, statement).await?;
        let mut statement = statement.clone();
        junction_transpiler::rewrite(&mut statement, Dialect::DataFusion, types)?;
        // Read before planning, which takes the statement: a planning failure is reported
        // as this unknown name, if there is one (DataFusion's own error says it in words).
        let unknown = unknown_names::unknown_name(&state, &statement);
        let plan = match state
            .statement_to_plan(DFStatement::Statement(Box::new(statement)))
            .await
        {
            Ok(plan) => plan,
            Err(e) => return Err(unknown.unwrap_or_else(|| e.into())),
        };
        if let Some(zone) = ctx.local_time_zone() {
            local_time::refuse(&state, &plan, zone)?;
        }
        Ok((state, plan))
    }
}

#[async_trait]
impl Engine for DataFusionEngine {
    fn name(&self) -> &'static str {
        "datafusion"
    }

    async fn describe(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<Described> {
        let (state, plan) = self.plan(ctx, statement, types).await?;
        let parameters = positional_parameter_types(plan.get_parameter_types()?);
        // The result types after type coercion, as the statement will run: the planned
        // schema types a CASE of int4 and numeric branches int4.
        let analyzed =
            state
                .analyzer()
                .execute_and_check(plan, state.config_options(), |_, _| {})?;
        let schema: Schema = analyzed.schema().as_arrow().clone();
        Ok(Described {
            schema: Arc::new(schema),
            parameters,
        })
    }

    async fn explain(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Explanation {
        let system = "datafusion-pg-catalog, in memory";
        let table_access = tables::access(
            &ctx.catalogs,
            statement,
            &ctx.catalog,
            system,
            |handle| async move {
                match handle.format() {
                    TableFormat::Delta => "deltalake table provider",
                    TableFormat::Iceberg => "iceberg-datafusion table provider",
                    TableFormat::Parquet => "parquet listing table",
                    TableFormat::Csv => "csv listing table",
                }
                .to_owned()
            },
        )
        .await;
        // Some constructs are refused only by the physical planner (LIKE ... ESCAPE).
        let planned = async {
            let (state, plan) = self.plan(ctx, statement, types).await?;
            state.create_physical_plan(&plan).await?;
            Ok::<_, EngineError>(())
        };
        let sql = junction_transpiler::render(statement, Dialect::DataFusion, types)
            .unwrap_or_else(|_| statement.to_string());
        Explanation {
            table_access,
            sql,
            unable: planned.await.err(),
        }
    }

    async fn execute(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
        parameters: &[ScalarValue],
    ) -> Result<SendableRecordBatchStream> {
        let (state, plan) = self.plan(ctx, statement, types).await?;
        let plan = if parameters.is_empty() {
            plan
        } else {
            plan.with_param_values(parameters.to_vec())?
        };
        let task = TaskContext::from(&state).with_runtime(statement_runtime(
            state.runtime_env(),
            self.memory.statement_pool(),
        ));
        let plan = state.create_physical_plan(&plan).await?;
        Ok(execute_stream(plan, Arc::new(task))?)
    }
}

/// `{"$2": t2, "$1": t1}` as `[t1, t2]`; positions no expression mentions stay `None`.
fn positional_parameter_types(types: HashMap<String, Option<DataType>>) -> Vec<Option<DataType>> {
    let mut by_position: Vec<(usize, Option<DataType>)> = types
        .into_iter()
        .filter_map(|(name, ty)| Some((name.strip_prefix('$')?.parse().ok()?, ty)))
        .collect();
    by_position.sort_by_key(|(i, _)| *i);
    let count = by_position.last().map_or(0, |(i, _)| *i);
    let mut out = vec![None; count];
    for (i, ty) in by_position {
        if i >= 1 {
            out[i - 1] = ty;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_come_in_position_order() {
        let types = HashMap::from([
            ("$3".to_owned(), Some(DataType::Utf8)),
            ("$1".to_owned(), Some(DataType::Int64)),
        ]);
        assert_eq!(
            positional_parameter_types(types),
            vec![Some(DataType::Int64), None, Some(DataType::Utf8)]
        );
    }
}
