"""What an operator sees of a running junction, through the clients and tools they use: the
HTTP listener (`/metrics` read by Prometheus' own parser, `/health`, `/ready`),
pg_stat_activity and pg_cancel_backend / pg_terminate_backend from psql's driver,
pg_stat_statements, and the statement log in JSON."""
import json
import os
import threading
import time
import urllib.error
import urllib.request

import adbc_driver_flightsql.dbapi as flightsql
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import serve, small_demo, stop

LONG = "select count(distinct x) from generate_series(1, 3000000000) as t(x)"


@pytest.fixture(scope="module")
def server():
    workdir, warehouse = small_demo("junction-observability-")
    config = os.path.join(workdir, "junction.toml")
    with open(config, "w") as f:
        f.write('[server]\nlog_min_duration = "0s"\n')
    log = os.path.join(workdir, "server.log")
    proc, port, flight_port, http_port = serve(
        warehouse, config=config, log=log, args=["--log-format", "json"], http=True)
    yield {"port": port, "flight_port": flight_port, "http": f"http://127.0.0.1:{http_port}",
           "log": log}
    stop(proc)


def pg(server, user="junction", **kwargs):
    return psycopg.connect(host="127.0.0.1", port=server["port"], user=user,
                           dbname="warehouse", autocommit=True, **kwargs)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def scrape(server):
    """Every sample of a scrape, as Prometheus' parser reads it: {(name, labels): value}."""
    status, content_type, text = get(server["http"] + "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_health_and_ready_answer(server):
    status, _, body = get(server["http"] + "/health")
    assert status == 200 and body.strip() == "ok"
    status, content_type, body = get(server["http"] + "/ready")
    assert status == 200, body
    assert content_type == "application/json"
    ready = json.loads(body)
    assert ready["ready"] is True
    assert ready["catalogs"] == {"warehouse": "ok"}
    assert ready["engines"] == {"datafusion": "up", "duckdb": "up"}
    status, _, _ = get(server["http"] + "/nosuch")
    assert status == 404


def test_statements_are_counted_by_front_end_engine_and_outcome(server):
    before = scrape(server)
    with pg(server) as conn:
        conn.execute("SET junction.engine = 'duckdb'")
        rows = conn.execute("select * from silver.devices").fetchall()
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute("select nosuch from silver.devices")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("select * from silver.nosuch")
        # Still open when scraped.
        during = scrape(server)
    with flightsql.connect(f"grpc://127.0.0.1:{server['flight_port']}", autocommit=True) as f, \
            f.cursor() as cur:
        cur.execute("select 1 as one")
        assert cur.fetchall() == [(1,)]
    after = scrape(server)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("junction_statements_total", frontend="pg", engine="duckdb", outcome="00") == 1
    assert delta("junction_statements_total", frontend="pg", engine="gateway", outcome="00") == 1
    # The engine reports a column it cannot find; a table that does not exist is found
    # while routing, before any engine ran.
    assert delta("junction_statements_total", frontend="pg", engine="duckdb", outcome="42") == 1
    assert delta("junction_statements_total", frontend="pg", engine="none", outcome="42") == 1
    assert sum(
        delta("junction_statements_total", frontend="flight", engine=e, outcome="00")
        for e in ("datafusion", "duckdb")) == 1
    assert delta("junction_statement_duration_seconds_count", frontend="pg",
                 engine="duckdb") == 2
    assert delta("junction_rows_sent_total", frontend="pg") == len(rows)
    assert delta("junction_route_decisions_total", engine="duckdb", choice="session") == 2
    assert delta("junction_catalog_request_duration_seconds_count", catalog="warehouse",
                 operation="table") >= 1
    assert value(during, "junction_sessions_open", frontend="pg") >= 1
    assert value(during, "junction_connections_open") >= 1
    assert value(after, "junction_engine_up", engine="datafusion") == 1
    assert value(after, "junction_statements_running") == 0
    assert value(after, "junction_statements_queued") == 0


def test_pg_stat_activity_shows_each_session_and_its_statement(server):
    with pg(server, application_name="dashboard") as other, pg(server) as me:
        other.execute("select count(*) from silver.vitals where heart_rate > 100").fetchall()
        other_pid = other.info.backend_pid
        mine = "select pid, usename, datname, application_name, state, query, engine, " \
               "backend_type from pg_stat_activity order by pid"
        rows = {r[0]: r for r in me.execute(mine).fetchall()}
        assert rows[me.info.backend_pid][1:7] == (
            "junction", "warehouse", "", "active", mine, "datafusion")
        assert rows[other_pid][1:6] == (
            "junction", "warehouse", "dashboard", "idle",
            "select count(*) from silver.vitals where heart_rate > 100")
        assert rows[other_pid][7] == "client backend"
        # pgAdmin's session view asks who blocks each session: junction takes no locks.
        blocking = me.execute("select array_to_string(pg_catalog.pg_blocking_pids(pid), ', ') "
                              "from pg_catalog.pg_stat_activity where pid = %s",
                              (other_pid,)).fetchone()
        assert blocking == ("",)
        # The columns Grafana and pgAdmin read have PostgreSQL's types.
        cur = me.execute("select pid, query_start, backend_start, client_port, query_id "
                         "from pg_stat_activity where pid = pg_backend_pid()")
        assert [c.type_code for c in cur.description] == [23, 1184, 1184, 23, 20]
        pid, query_start, backend_start, port, query_id = cur.fetchone()
        assert query_start.tzinfo is not None and backend_start <= query_start
        assert port > 0 and query_id is not None


def test_another_users_statement_is_hidden_and_cannot_be_cancelled(server):
    with pg(server, user="bob") as bob, pg(server) as me:
        bob.execute("select 42").fetchall()
        row = me.execute("select usename, state, query from pg_stat_activity where pid = %s",
                         (bob.info.backend_pid,)).fetchone()
        assert row == ("bob", None, "<insufficient privilege>")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            me.execute("select pg_cancel_backend(%s)", (bob.info.backend_pid,))
        assert err.value.diag.message_primary == "permission denied to cancel query"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            me.execute("select pg_terminate_backend(%s)", (bob.info.backend_pid,))
        assert bob.execute("select 1").fetchone() == (1,)
        assert me.execute("select pg_cancel_backend(999999)").fetchone() == (False,)


@pytest.mark.parametrize("engine", ["datafusion", "duckdb"])
def test_pg_cancel_backend_stops_a_running_statement(server, engine):
    with pg(server) as victim, pg(server) as me:
        victim.execute(f"SET junction.engine = '{engine}'")
        failure = {}

        def run():
            try:
                victim.execute(LONG).fetchall()
            except psycopg.Error as e:
                failure["error"] = e

        thread = threading.Thread(target=run)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                state = me.execute("select state from pg_stat_activity where pid = %s",
                                   (victim.info.backend_pid,)).fetchone()
                if state == ("active",):
                    break
                time.sleep(0.05)
            assert state == ("active",)
            cancelled_at = time.monotonic()
            assert me.execute("select pg_cancel_backend(%s)",
                              (victim.info.backend_pid,)).fetchone() == (True,)
            thread.join(timeout=10)
            assert not thread.is_alive()
            assert time.monotonic() - cancelled_at < 2
        finally:
            if thread.is_alive():
                # Whatever failed above, the statement must not outlive the test.
                victim.cancel_safe()
                thread.join(timeout=10)
        assert isinstance(failure.get("error"), psycopg.errors.QueryCanceled)
        # The session goes on.
        assert victim.execute("select 1").fetchone() == (1,)


def test_pg_terminate_backend_ends_the_session(server):
    with pg(server) as victim, pg(server) as me:
        assert me.execute("select pg_terminate_backend(%s)",
                          (victim.info.backend_pid,)).fetchone() == (True,)
        with pytest.raises(psycopg.OperationalError) as err:
            victim.execute("select 1")
        assert "terminating connection due to administrator command" in str(err.value)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            gone = me.execute("select count(*) from pg_stat_activity where pid = %s",
                              (victim.info.backend_pid,)).fetchone() == (0,)
            if gone:
                break
            time.sleep(0.05)
        assert gone


@pytest.mark.parametrize("engine", ["datafusion", "duckdb"])
def test_an_errors_detail_names_its_query_id(server, engine):
    with pg(server) as failing, pg(server) as watcher:
        failing.execute(f"SET junction.engine = '{engine}'")
        with pytest.raises(psycopg.errors.DivisionByZero) as raised:
            failing.execute("select device_id, 1 / (length(model) - length(model)) "
                            "from silver.devices").fetchall()
        detail = raised.value.diag.message_detail
        assert detail is not None and detail.startswith("query id "), detail
        query_id = int(detail.removeprefix("query id "))
        # The id the session's pg_stat_activity row and the statement's log line carry.
        seen = watcher.execute("select query_id from pg_stat_activity where pid = %s",
                               (failing.info.backend_pid,)).fetchone()
        assert seen == (query_id,)
        # A statement that never reached the router has no query id, and no DETAIL.
        with pytest.raises(psycopg.errors.SyntaxError) as raised:
            failing.execute("selec 1")
        assert raised.value.diag.message_detail is None


def test_pg_stat_statements_aggregates_a_fingerprint_per_engine(server):
    with pg(server) as conn:
        conn.execute("select pg_stat_statements_reset()")
        conn.execute("SET junction.engine = 'duckdb'")
        counts = [conn.execute(f"select count(*) from silver.vitals where heart_rate > {n}")
                  .fetchone()[0] for n in (90, 100, 110)]
        assert len(set(counts)) == 3
        conn.execute("SET junction.engine = 'datafusion'")
        conn.execute("select count(*) from silver.vitals where heart_rate > 120").fetchall()
        rows = conn.execute(
            "select query, engine, calls, rows, total_exec_time, min_exec_time, "
            "max_exec_time, mean_exec_time, queryid from pg_stat_statements "
            "where query like '%heart_rate >%' order by engine").fetchall()
        assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
            ("SELECT count(*) FROM silver.vitals WHERE heart_rate > $1", "datafusion", 1, 1),
            ("SELECT count(*) FROM silver.vitals WHERE heart_rate > $1", "duckdb", 3, 3),
        ]
        for _, _, calls, _, total, least, most, mean, _ in rows:
            assert 0 < least <= mean <= most <= total
            assert abs(mean * calls - total) < 1e-6 * total
        assert rows[0][8] == rows[1][8], "one fingerprint, one queryid"
        conn.execute("select pg_stat_statements_reset()")
        left = conn.execute("select count(*) from pg_stat_statements "
                            "where query like '%heart_rate >%'").fetchone()
        assert left == (0,)


def test_the_statement_log_is_json_with_literals_redacted(server):
    with pg(server) as conn:
        conn.execute("select count(*) from silver.patients where name = 'Ada-secret-42'")
        pid = conn.info.backend_pid
    deadline = time.monotonic() + 5
    found = None
    while time.monotonic() < deadline and found is None:
        with open(server["log"]) as f:
            for line in f:
                if not line.startswith("{"):
                    continue  # the readiness line is plain text, for scripts to find
                record = json.loads(line)
                fields = record.get("fields", {})
                if fields.get("pid") == pid and "patients" in fields.get("sql", ""):
                    found = record
        time.sleep(0.05)
    assert found is not None, "no log line for the statement"
    fields = found["fields"]
    assert found["target"] == "junction::statement"
    # The event is logged in the statement's span, which carries the route.
    assert found["span"]["name"] == "statement"
    assert found["span"]["route"] == "auto" and found["span"]["pid"] == pid
    assert fields["message"] == "slow statement"
    assert fields["sql"] == "select count(*) from silver.patients where name = $1"
    assert fields["user"] == "junction" and fields["outcome"] == "00000"
    assert fields["engine"] in ("datafusion", "duckdb") and fields["rows"] == 1
    assert "Ada-secret-42" not in open(server["log"]).read()


def test_refused_connections_are_counted(tmp_path):
    _, warehouse = small_demo("junction-refusals-")
    config = tmp_path / "junction.toml"
    config.write_text("[limits]\nmax_connections = 1\n")
    proc, port, _, http_port = serve(warehouse, config=str(config), http=True)
    try:
        refused = {"http": f"http://127.0.0.1:{http_port}"}
        with psycopg.connect(host="127.0.0.1", port=port, user="junction", dbname="warehouse"):
            with pytest.raises(psycopg.OperationalError) as err:
                psycopg.connect(host="127.0.0.1", port=port, user="junction",
                                dbname="warehouse")
            assert "sorry, too many clients already" in str(err.value)
        assert value(scrape(refused), "junction_connections_refused_total",
                     limit="max_connections") == 1
    finally:
        stop(proc)
