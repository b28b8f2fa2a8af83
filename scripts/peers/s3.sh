#!/usr/bin/env bash
# s3.sh start DIR [PORT] | stop DIR: an S3 endpoint (moto's server, in memory, path-style) on
# 127.0.0.1:PORT. It takes any credentials and starts with no buckets.
# Exports AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION
# AWS_ALLOW_HTTP AWS_S3_ALLOW_UNSAFE_RENAME (what boto3, object_store and delta-rs read),
# PEERS_S3_ENDPOINT PEERS_S3_PORT.
set -euo pipefail
PEER=s3
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
stop_or_check moto_server
need_venv
launch "$PEERS_VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT"
wait_ready "$LAUNCHED"
write_env "AWS_ENDPOINT_URL=http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ALLOW_HTTP=true AWS_S3_ALLOW_UNSAFE_RENAME=true \
  "PEERS_S3_ENDPOINT=http://127.0.0.1:$PORT" "PEERS_S3_PORT=$PORT"
