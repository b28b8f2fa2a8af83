"""`[[user]]` entries: SCRAM-SHA-256 logins on the pg wire (with channel binding over TLS)
and Basic credentials with expiring bearer tokens on Flight SQL, through real clients: psql
(libpq 15), psycopg (libpq 18), asyncpg, pgJDBC and ADBC. The verifiers come from
`junction hash-password`, fed the password on standard input as a script would."""
import asyncio
import os
import ssl
import subprocess
import time

import adbc_driver_flightsql as flightsql
import adbc_driver_flightsql.dbapi as flight
import adbc_driver_manager
import asyncpg
import base64
import psycopg
import pyarrow
import pyarrow.flight
import pytest

from conftest import certificates, hash_password, pgjdbc, serve, stop

PASSWORD = "wonder land ü"
FAILED = 'password authentication failed for user "{}"'
# The server's fixed wait before it answers a failed login.
FAILED_LOGIN_DELAY = 0.25
TOKEN_LIFETIME = 3
# S3 credentials in the configuration (unused by the local warehouse, but loaded and handed
# to the engines): they must not reach the log either.
S3_KEY_ID = "AKIAJUNCTIONTESTKEY1"
S3_SECRET = "s3-secret-never-logged-4f1d"


@pytest.fixture(scope="module")
def secured(junction, tmp_path_factory):
    """junction with TLS offered (not required), user alice, and short-lived Flight tokens."""
    d = str(tmp_path_factory.mktemp("users"))
    certificates(d)
    config = os.path.join(d, "junction.toml")
    verifier = hash_password(PASSWORD)
    with open(config, "w") as f:
        f.write(f'[server]\ntls_cert = "{d}/server.crt"\ntls_key = "{d}/server.key"\n'
                f'[flight]\ntoken_lifetime = "{TOKEN_LIFETIME}s"\n'
                f'[storage.s3]\naccess_key_id = "{S3_KEY_ID}"\n'
                f'secret_access_key = "{S3_SECRET}"\n'
                f'[[user]]\nname = "alice"\npassword = "{verifier}"\n'
                'roles = ["analyst"]\n')
    log = os.path.join(d, "server.log")
    # Logged as verbosely as an operator chasing a problem would: secrets must stay out.
    proc, port, flight_port = serve(junction["warehouse"], config, log=log,
                                    log_filter="debug,junction=trace")
    yield {"port": port, "flight_port": flight_port, "ca": os.path.join(d, "ca.crt"),
           "log": log, "verifier": verifier}
    stop(proc)


def conninfo(secured, **extra):
    params = {"host": "localhost", "port": secured["port"], "user": "alice",
              "dbname": "junction", "sslmode": "verify-full", "sslrootcert": secured["ca"],
              **extra}
    return " ".join(f"{k}='{v}'" for k, v in params.items())


def test_hash_password_reads_stdin_and_refuses_an_empty_password():
    verifier = hash_password("pencil")
    assert verifier.startswith("SCRAM-SHA-256$4096:"), verifier
    assert "pencil" not in verifier
    assert hash_password("pencil") != verifier, "each verifier has its own salt"
    out = subprocess.run([os.environ["JUNCTION_BIN"], "hash-password"], input="\n",
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "empty" in out.stderr, out.stderr


def test_psql_logs_in_with_scram_over_tls(secured):
    out = subprocess.run(["psql", "-X", "-A", "-t", conninfo(secured), "-c", "select current_user"],
                         env={**os.environ, "PGPASSWORD": PASSWORD},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "alice"


def test_psycopg_binds_the_channel_to_the_certificate(secured):
    with psycopg.connect(conninfo(secured, password=PASSWORD, channel_binding="require")) as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("select count(*) from silver.patients").fetchone()[0] == 10
    # Without TLS there is no channel to bind to, so SCRAM-SHA-256-PLUS is not offered.
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(conninfo(secured, password=PASSWORD, sslmode="disable",
                                 channel_binding="require"))
    assert "channel binding" in str(refused.value)
    # Plain SCRAM-SHA-256 still works there.
    with psycopg.connect(conninfo(secured, password=PASSWORD, sslmode="disable")) as conn:
        assert conn.execute("select 1").fetchone()[0] == 1


@pytest.mark.parametrize("user,password", [("alice", "not it"), ("mallory", PASSWORD)])
def test_a_wrong_password_and_an_unknown_user_fail_alike(secured, user, password):
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError) as failed:
        psycopg.connect(conninfo(secured, user=user, password=password))
    assert FAILED.format(user) in str(failed.value)
    assert time.monotonic() - started >= FAILED_LOGIN_DELAY
    # The server keeps serving.
    with psycopg.connect(conninfo(secured, password=PASSWORD)) as conn:
        assert conn.execute("select 1").fetchone()[0] == 1


def test_asyncpg_scram_with_and_without_tls(secured):
    context = ssl.create_default_context(cafile=secured["ca"])

    async def run():
        for tls in (context, False):
            conn = await asyncpg.connect(host="localhost", port=secured["port"], user="alice",
                                         password=PASSWORD, database="junction", ssl=tls)
            try:
                assert await conn.fetchval("select count(*) from silver.patients") == 10
            finally:
                await conn.close()
        with pytest.raises(asyncpg.exceptions.InvalidPasswordError) as failed:
            await asyncpg.connect(host="localhost", port=secured["port"], user="alice",
                                  password="nope", database="junction", ssl=context)
        assert failed.value.sqlstate == "28P01"
        assert FAILED.format("alice") in str(failed.value)

    asyncio.run(run())


def test_pgjdbc_scram_over_tls(secured):
    url = (f"jdbc:postgresql://localhost:{secured['port']}/junction?user=alice"
           f"&password={PASSWORD.replace(' ', '%20')}&sslmode=verify-full"
           f"&sslrootcert={secured['ca']}&channelBinding=require")
    assert "OK" in pgjdbc("JdbcClient.java", url)


def flight_connect(secured, **credentials):
    with open(secured["ca"]) as f:
        options = {flightsql.DatabaseOptions.TLS_ROOT_CERTS.value: f.read(), **credentials}
    return flight.connect(f"grpc+tls://localhost:{secured['flight_port']}", db_kwargs=options,
                          autocommit=True)


def test_adbc_flight_sql_with_basic_credentials_and_an_expiring_token(secured):
    with flight_connect(secured, username="alice", password=PASSWORD) as conn:
        with conn.cursor() as cur:
            cur.execute("select current_user, count(*) from silver.patients where ward = ?",
                        parameters=("icu",))
            assert cur.fetchone()[0] == "alice"
        time.sleep(TOKEN_LIFETIME + 1)
        with conn.cursor() as cur:
            with pytest.raises(adbc_driver_manager.Error) as expired:
                cur.execute("select 1")
                cur.fetchall()
        assert "UNAUTHENTICATED" in str(expired.value).upper(), expired.value
        assert "authenticate again" in str(expired.value), expired.value


@pytest.mark.parametrize("credentials,says", [
    ({"username": "alice", "password": "not it"}, FAILED.format("alice")),
    ({"username": "mallory", "password": PASSWORD}, FAILED.format("mallory")),
    ({}, "requires a user name and password"),
])
def test_adbc_flight_sql_refuses_bad_or_missing_credentials(secured, credentials, says):
    with pytest.raises(adbc_driver_manager.Error) as refused:
        with flight_connect(secured, **credentials) as conn:
            with conn.cursor() as cur:
                cur.execute("select 1")
                cur.fetchall()
    assert "UNAUTHENTICATED" in str(refused.value).upper(), refused.value
    assert says in str(refused.value), refused.value


def test_no_secret_reaches_the_log(secured):
    """Runs last in this module: every login above (right and wrong passwords, Basic
    credentials, bearer tokens) was logged at debug level, and none of it shows."""
    with open(secured["ca"], "rb") as f:
        client = pyarrow.flight.FlightClient(f"grpc+tls://localhost:{secured['flight_port']}",
                                             tls_root_certs=f.read())
    _, bearer = client.authenticate_basic_token("alice", PASSWORD)
    token = bearer.decode().split(" ", 1)[1]
    # A call carrying the token (its command is not Flight SQL's, so it fails: logged too).
    with pytest.raises(pyarrow.ArrowInvalid):
        client.get_flight_info(pyarrow.flight.FlightDescriptor.for_command(b"junk"),
                               pyarrow.flight.FlightCallOptions(headers=[(b"authorization",
                                                                          bearer)]))
    client.close()
    time.sleep(0.5)
    with open(secured["log"]) as f:
        log = f.read()
    assert "alice" in log or len(log) > 1000, "the log holds the run"
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    salt_and_keys = secured["verifier"].split("$", 1)[1]
    for secret in [PASSWORD, basic, basic.rstrip("="), token, salt_and_keys, S3_SECRET,
                   *salt_and_keys.replace("$", ":").split(":")[1:]]:
        assert secret not in log, f"a secret is in the server log: {secret[:4]}..."
