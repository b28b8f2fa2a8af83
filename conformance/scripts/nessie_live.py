"""Tables on a real Nessie server, written through its Iceberg REST endpoint by pyiceberg, and
what the reference readers see at each reference. The server is the one nessie.sh started
(NESSIE_URL, NESSIE_WAREHOUSE and the S3 peer's AWS_* in the environment).

    nessie_live.py write     clinic.vitals with a history, a tag, a branch, and a table whose
                             namespace and name hold dots; prints the expected states as JSON
    nessie_live.py commit    appends one row to clinic.vitals on main; prints the new state
    nessie_live.py keys DIR  an RSA key pair for a Nessie with authentication on: DIR/public.pem
                             for nessie.sh, and prints {"token": a valid RS256 JWT, "forged":
                             one signed by another key}
    nessie_live.py namespace NAME TOKEN   creates a namespace on an authenticating Nessie

States are [rows, sum of heart_rate] as pyiceberg reads the table at that reference.
"""
import datetime as dt
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vitals_tables import FIRST, SECOND, vitals  # noqa: E402

URL = os.environ.get("NESSIE_URL", "")
API = f"{URL}/api/v2"


def catalog(reference="main", token=None):
    from pyiceberg.catalog.rest import RestCatalog

    # Nessie hands writers no S3 credentials: the S3 peer's own go with every write.
    options = {"s3.endpoint": os.environ["AWS_ENDPOINT_URL"],
               "s3.access-key-id": os.environ["AWS_ACCESS_KEY_ID"],
               "s3.secret-access-key": os.environ["AWS_SECRET_ACCESS_KEY"],
               "s3.region": os.environ["AWS_REGION"]}
    if token:
        options["token"] = token
    return RestCatalog(f"nessie-{reference}", uri=f"{URL}/iceberg/{reference}", **options)


def nessie(method, path, body=None):
    request = urllib.request.Request(f"{API}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def head(reference):
    return nessie("GET", f"/trees/{reference}")["reference"]["hash"]


def state(table):
    rows = table.scan().to_arrow()
    return [rows.num_rows, sum(v for v in rows.column("heart_rate").to_pylist() if v is not None)]


def write():
    main = catalog()
    main.create_namespace("clinic")
    first = vitals(FIRST)
    table = main.create_table("clinic.vitals", schema=first.schema)
    table.append(first)
    first_hash, first_state = head("main"), state(main.load_table("clinic.vitals"))
    # Nessie's timestamps are the commits' own; a second apart, `main*T` lands between them.
    time.sleep(1.2)
    between = dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    time.sleep(1.2)
    nessie("POST", "/trees?name=v1&type=TAG", {"type": "BRANCH", "name": "main", "hash": first_hash})
    table.append(vitals(SECOND))
    main_hash = head("main")
    nessie("POST", "/trees?name=dev&type=BRANCH", {"type": "BRANCH", "name": "main", "hash": main_hash})
    dev = catalog("dev")
    dev.load_table("clinic.vitals").append(vitals([(8, "er", 130, 90.0)]))
    main.create_namespace(("dot.ns",))
    dotted = vitals([(9, "icu", 60, 97.0)])
    main.create_table(("dot.ns", "t.x"), schema=dotted.schema).append(dotted)
    # How many commits back from main's head the first append is, for `main~N`.
    history = [e["commitMeta"]["hash"] for e in nessie("GET", "/trees/main/history")["logEntries"]]
    print(json.dumps({
        "main": state(main.load_table("clinic.vitals")),
        "first_back": history.index(first_hash),
        "main_hash": head("main"),
        "v1": first_state,
        "first_hash": first_hash,
        "between": between,
        "dev": state(dev.load_table("clinic.vitals")),
        "dotted": state(main.load_table(("dot.ns", "t.x"))),
    }))


def commit():
    table = catalog().load_table("clinic.vitals")
    table.append(vitals([(10, "er", 100, 95.0)]))
    print(json.dumps({"main": state(catalog().load_table("clinic.vitals"))}))


def keys(folder):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def pair():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    signer, stranger = pair(), pair()
    with open(os.path.join(folder, "public.pem"), "wb") as f:
        f.write(signer.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo))
    now = int(time.time())
    claims = {"iss": "junction-tests", "sub": "junction", "upn": "junction", "iat": now, "exp": now + 3600}
    print(json.dumps({"token": jwt.encode(claims, signer, algorithm="RS256"),
                      "forged": jwt.encode(claims, stranger, algorithm="RS256")}))


def main():
    command = sys.argv[1]
    if command == "write":
        write()
    elif command == "commit":
        commit()
    elif command == "keys":
        keys(sys.argv[2])
    elif command == "namespace":
        catalog(token=sys.argv[3]).create_namespace(sys.argv[2])
        print(json.dumps({"created": sys.argv[2]}))
    else:
        sys.exit(f"nessie_live: unknown command {command}")


if __name__ == "__main__":
    main()
