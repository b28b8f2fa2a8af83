"""The Python side of `junction-bench security`: connection set-up through libpq (psycopg)
with and without TLS and SCRAM-SHA-256, against junction and PostgreSQL; and one large
result fetched with and without TLS through psycopg (both servers) and ADBC Flight SQL
(junction). Prints `connect server transport auth median_s p99_s` and
`fetch client server transport median_s` lines."""
import argparse
import statistics
import time

import adbc_driver_flightsql as flightsql
import adbc_driver_flightsql.dbapi as flight
import psycopg

from wire_fetch import adbc_fetch, psycopg_fetch, timed

WARM_UP = 10


def connect_times(n, **params):
    times = []
    for i in range(WARM_UP + n):
        started = time.perf_counter()
        psycopg.connect(**params).close()
        if i >= WARM_UP:
            times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main():
    p = argparse.ArgumentParser()
    for name in ("--rows", "--runs", "--connections", "--junction-trust", "--junction-scram",
                 "--flight-tls", "--flight-plain", "--postgres"):
        p.add_argument(name, type=int, required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cert", required=True)
    args = p.parse_args()

    servers = {
        # (port, user, password) per authentication; trust logins send no password.
        "junction": {"trust": (args.junction_trust, "bench", None),
                     "scram": (args.junction_scram, "bench", args.password)},
        "postgres": {"trust": (args.postgres, "postgres", None),
                     "scram": (args.postgres, "bench", args.password)},
    }
    transports = {"plaintext": {"sslmode": "disable"}, "tls": {"sslmode": "require"}}
    for transport, tls in transports.items():
        for auth in ("trust", "scram"):
            for server, by_auth in servers.items():
                port, user, password = by_auth[auth]
                params = dict(host="127.0.0.1", port=port, user=user, dbname="postgres", **tls)
                if password:
                    params["password"] = password
                median, p99 = connect_times(args.connections, **params)
                print("connect", server, transport, auth, median, p99, flush=True)

    for server, port, user in (("junction", args.junction_trust, "bench"),
                               ("postgres", args.postgres, "postgres")):
        for transport, tls in transports.items():
            with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname="postgres",
                                 autocommit=True, **tls) as conn:
                seconds = timed(args.runs, lambda: psycopg_fetch(conn, args.rows))
                print("fetch psycopg", server, transport, seconds, flush=True)

    with open(args.cert) as f:
        cert = f.read()
    for transport, uri, options in (
            ("plaintext", f"grpc://127.0.0.1:{args.flight_plain}", {}),
            ("tls", f"grpc+tls://127.0.0.1:{args.flight_tls}",
             {flightsql.DatabaseOptions.TLS_ROOT_CERTS.value: cert})):
        with flight.connect(uri, db_kwargs=options, autocommit=True) as conn:
            seconds = timed(args.runs, lambda: adbc_fetch(conn, args.rows))
            print("fetch adbc junction", transport, seconds, flush=True)


if __name__ == "__main__":
    main()
