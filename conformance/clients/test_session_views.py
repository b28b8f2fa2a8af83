"""The session views of the tools operators use, with the statements those tools send:
pgAdmin 4's dashboard (web/pgadmin/dashboard/templates/dashboard/sql/default/activity.sql and
session_stats.sql, rendered as pgAdmin renders them, with and without a database) through
psycopg, and DBeaver's session manager (PostgreSessionManager: `SELECT sa.* FROM
pg_catalog.pg_stat_activity sa`, read by column name, then pg_terminate_backend) through
pgJDBC. Neither tool can run here, so their statements are taken from their sources."""
import psycopg
import pytest

from conftest import pgjdbc, serve, small_demo, stop

PGADMIN_ACTIVITY = """/*pga4dash*/
SELECT
    pid,
    datname,
    usename,
    application_name,
    client_addr,
    pg_catalog.to_char(backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS backend_start,
    state,
    wait_event_type || ': ' || wait_event AS wait_event,
    array_to_string(pg_catalog.pg_blocking_pids(pid), ', ') AS blocking_pids,
    query,
    pg_catalog.to_char(state_change, 'YYYY-MM-DD HH24:MI:SS TZ') AS state_change,
    pg_catalog.to_char(query_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS query_start,
    pg_catalog.to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS xact_start,
    backend_type,
    CASE WHEN state = 'active' THEN ROUND((extract(epoch from now() - query_start) / 60)::numeric, 2) ELSE 0 END AS active_since
FROM
    pg_catalog.pg_stat_activity
{where}ORDER BY pid
"""

PGADMIN_SESSION_STATS = """/*pga4dash*/
SELECT
   (SELECT count(*) FROM pg_stat_activity{where}) AS "Total",
   (SELECT count(*) FROM pg_stat_activity WHERE state = 'active'{and_db})  AS "Active",
   (SELECT count(*) FROM pg_stat_activity WHERE state = 'idle'{and_db})  AS "Idle"
"""


@pytest.fixture(scope="module")
def server():
    _, warehouse = small_demo("junction-session-views-")
    proc, port, flight_port = serve(warehouse)
    yield {"port": port}
    stop(proc)


def pg(server, **kwargs):
    return psycopg.connect(host="127.0.0.1", port=server["port"], user="junction",
                           dbname="warehouse", autocommit=True, **kwargs)


def test_pgadmins_dashboard_lists_the_sessions(server):
    with pg(server, application_name="dashboard") as other, pg(server) as admin:
        other.execute("select count(*) from silver.vitals").fetchall()
        oid = admin.execute("select oid from pg_catalog.pg_database "
                            "where datname = current_database()").fetchone()[0]
        by_database = f"WHERE\n    datname = (SELECT datname FROM pg_catalog.pg_database WHERE oid = {oid})"
        for where in ("", by_database + "\n"):
            cur = admin.execute(PGADMIN_ACTIVITY.format(where=where))
            columns = [c.name for c in cur.description]
            assert columns == [
                "pid", "datname", "usename", "application_name", "client_addr",
                "backend_start", "state", "wait_event", "blocking_pids", "query",
                "state_change", "query_start", "xact_start", "backend_type", "active_since"]
            rows = {r[0]: dict(zip(columns, r)) for r in cur.fetchall()}
            seen = rows[other.info.backend_pid]
            assert seen["application_name"] == "dashboard"
            assert seen["state"] == "idle"
            assert seen["query"] == "select count(*) from silver.vitals"
            assert seen["backend_start"].endswith(" UTC"), seen["backend_start"]
            assert seen["blocking_pids"] == ""
            assert seen["active_since"] == 0
            mine = rows[admin.info.backend_pid]
            assert mine["state"] == "active" and mine["active_since"] >= 0
        stats = PGADMIN_SESSION_STATS.format(where=" WHERE datname = 'warehouse'",
                                             and_db=" AND datname = 'warehouse'")
        total, active, idle = admin.execute(stats).fetchone()
        assert total >= 2 and active >= 1 and idle >= 1 and active + idle <= total


def test_dbeavers_session_manager_reads_and_terminates_a_session(server):
    out = pgjdbc("SessionManager.java", f"jdbc:postgresql://127.0.0.1:{server['port']}/warehouse")
    assert "other junction warehouse idle true [PostgreSQL JDBC Driver] select pg_backend_pid()" in out
    assert "terminated 57P01" in out or "terminated 08006" in out, out
    assert out.strip().endswith("OK")
