#!/usr/bin/env bash
# nessie.sh start DIR [PORT] [auth=PUBLIC_KEY.pem] | stop DIR: a real Project Nessie server
# (nessie-quarkus runner from Maven Central, fetched once into the peers' cache) on
# http://127.0.0.1:PORT with an in-memory store, and its Iceberg REST endpoint (/iceberg) over an
# S3 warehouse on an S3 peer it starts in DIR/s3 (Nessie's catalog takes no file:// warehouse).
# With auth=FILE, Nessie demands bearer tokens: RS256 JWTs signed by the key whose public half
# FILE holds (PEM), with issuer `junction-tests`.
# Needs Java 21 or newer (the Temurin JDK in /usr/lib/jvm). Exports NESSIE_URL (the server's
# base), NESSIE_WAREHOUSE (s3://...), and the S3 peer's AWS_* settings.
set -euo pipefail
PEER=nessie
PEER_USAGE=" [auth=PUBLIC_KEY.pem]"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
on_stop() {
  "$PEERS_DIR/s3.sh" stop "$STATE/s3"
}
stop_or_check nessie-quarkus
need_venv
[ -n "$PEERS_JAVA_NEW" ] || die "Nessie needs Java 21 or newer; none in /usr/lib/jvm"
auth=()
for arg in "${EXTRA[@]}"; do
  case "$arg" in
    auth=*)
      key="${arg#auth=}"
      [ -s "$key" ] || die "no public key in $key"
      # The key in one line, as Quarkus' OIDC reads it: the PEM body without its armour.
      auth=(-Dnessie.server.authentication.enabled=true
            "-Dquarkus.oidc.public-key=$(grep -v -- '-----' "$key" | tr -d '\n')"
            -Dquarkus.oidc.token.issuer=junction-tests) ;;
    *) die "unknown argument $arg" ;;
  esac
done
runner="$(maven_jar "org.projectnessie.nessie:nessie-quarkus:$PEERS_NESSIE_VERSION:runner")"

"$PEERS_DIR/s3.sh" start "$STATE/s3" >/dev/null
. "$STATE/s3/s3.env"
bucket=nessie
"$PEERS_PYTHON" -c "import boto3, sys; boto3.client('s3').create_bucket(Bucket=sys.argv[1])" "$bucket"
management_port="$(free_port)"
# shellcheck disable=SC2086
launch "$PEERS_JAVA_NEW" $PEERS_JAVA_OPTS -Xmx"${PEERS_NESSIE_XMX:-384m}" \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT" \
  -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$management_port" \
  -Dnessie.version.store.type=IN_MEMORY \
  -Dnessie.catalog.default-warehouse=warehouse \
  -Dnessie.catalog.warehouses.warehouse.location="s3://$bucket/warehouse" \
  -Dnessie.catalog.service.s3.default-options.endpoint="$AWS_ENDPOINT_URL" \
  -Dnessie.catalog.service.s3.default-options.path-style-access=true \
  -Dnessie.catalog.service.s3.default-options.region="$AWS_REGION" \
  -Dnessie.catalog.service.s3.default-options.access-key=urn:nessie-secret:quarkus:peer-secrets.s3 \
  -Dpeer-secrets.s3.name="$AWS_ACCESS_KEY_ID" -Dpeer-secrets.s3.secret="$AWS_SECRET_ACCESS_KEY" \
  "${auth[@]}" -jar "$runner"
# The port opens before the REST API is up; /api/v2/config answers once it is (401 with auth on).
api_up() {
  case "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v2/config")" in
    200 | 401) return 0 ;;
    *) return 1 ;;
  esac
}
wait_ready "$LAUNCHED" api_up
write_env "NESSIE_URL=http://127.0.0.1:$PORT" "NESSIE_WAREHOUSE=s3://$bucket/warehouse" \
  "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL" "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID" \
  "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY" "AWS_REGION=$AWS_REGION" \
  "AWS_DEFAULT_REGION=$AWS_REGION" AWS_ALLOW_HTTP=true
