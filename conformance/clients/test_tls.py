"""TLS on both front ends (`[server] tls_cert`, `tls_key`, `tls_required`), through real
clients: psql (libpq 15, SSLRequest), psycopg (libpq 18, also the direct TLS start with
ALPN), pgJDBC and ADBC Flight SQL over grpc+tls, each verifying the server's certificate
against a test CA made here with openssl."""
import os
import subprocess

import adbc_driver_flightsql as flightsql
import adbc_driver_flightsql.dbapi as flight
import psycopg
import pytest

from conftest import certificates, pgjdbc, serve, stop


@pytest.fixture(scope="module")
def tls_junction(junction, tmp_path_factory):
    """junction over the demo warehouse with TLS required, and the CA that signed it."""
    d = str(tmp_path_factory.mktemp("tls"))
    certificates(d)
    config = os.path.join(d, "junction.toml")
    with open(config, "w") as f:
        f.write(f'[server]\ntls_cert = "{d}/server.crt"\ntls_key = "{d}/server.key"\n'
                "tls_required = true\n")
    proc, port, flight_port = serve(junction["warehouse"], config)
    yield {"port": port, "flight_port": flight_port, "ca": os.path.join(d, "ca.crt"), "dir": d}
    stop(proc)


def conninfo(tls, **extra):
    params = {"host": "localhost", "port": tls["port"], "user": "anyone", "dbname": "junction",
              "sslmode": "verify-full", "sslrootcert": tls["ca"], **extra}
    return " ".join(f"{k}={v}" for k, v in params.items())


def test_psql_verifies_the_certificate(tls_junction):
    out = subprocess.run(["psql", "-X", "-A", "-t", conninfo(tls_junction), "-c",
                          "select count(*) from silver.patients"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "10"


@pytest.mark.parametrize("negotiation", ["postgres", "direct"])
def test_psycopg_over_tls(tls_junction, negotiation):
    with psycopg.connect(conninfo(tls_junction, sslnegotiation=negotiation)) as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("select count(*) from silver.vitals where patient_id = %s",
                            (3,)).fetchone()[0] > 0


def test_plaintext_is_refused_with_28000(tls_junction):
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(conninfo(tls_junction, sslmode="disable"))
    assert 'no pg_hba.conf entry for host "127.0.0.1", user "anyone", database "junction", ' \
           "no encryption" in str(refused.value)


def test_pgjdbc_over_tls(tls_junction):
    url = (f"jdbc:postgresql://localhost:{tls_junction['port']}/junction?user=anyone"
           f"&sslmode=verify-full&sslrootcert={tls_junction['ca']}")
    assert "OK" in pgjdbc("JdbcClient.java", url)


def test_adbc_flight_sql_over_tls(tls_junction):
    with open(tls_junction["ca"]) as f:
        ca = f.read()
    options = {flightsql.DatabaseOptions.TLS_ROOT_CERTS.value: ca}
    with flight.connect(f"grpc+tls://localhost:{tls_junction['flight_port']}",
                        db_kwargs=options, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.execute("select count(*) from silver.patients where ward = ?", parameters=("icu",))
            assert cur.fetchone()[0] >= 0
    # A plaintext client gets no Flight service.
    with pytest.raises(Exception):
        with flight.connect(f"grpc://localhost:{tls_junction['flight_port']}",
                            autocommit=True) as conn:
            with conn.cursor() as cur:
                cur.execute("select 1")


def test_a_key_that_is_not_the_certificates_stops_serve(tls_junction, junction):
    d = tls_junction["dir"]
    config = os.path.join(d, "mismatched.toml")
    with open(config, "w") as f:
        f.write(f'[server]\ntls_cert = "{d}/server.crt"\ntls_key = "{d}/ca.key"\n')
    out = subprocess.run(
        [os.environ["JUNCTION_BIN"], "serve", "--warehouse", junction["warehouse"], "--config",
         config, "--pg-addr", "127.0.0.1:0", "--flight-addr", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "ca.key" in out.stderr and "server.crt" in out.stderr, out.stderr
