#!/usr/bin/env bash
# Builds perso, starts it on a free loopback port with a fresh data
# directory, and drives it with boto3 (scripts/conformance.py) and the AWS
# CLI. Exits non-zero on any failure; prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/perso" ./cmd/perso
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
s3flags=()
if [ -n "${PERSO_TEST_S3:-}" ]; then
  s3flags=(--s3-endpoint "$PERSO_TEST_S3" --s3-access-key "$PERSO_TEST_S3_ACCESS_KEY" --s3-secret-key "$PERSO_TEST_S3_SECRET_KEY" --s3-path-style)
fi
PERSO_QUOTAS="datasetGroups=unlimited" "$work/perso" serve --addr "127.0.0.1:$port" --data "$work/data" --sync "${s3flags[@]}" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$endpoint" && break
  sleep 0.1
done

export AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

status=0
CONFORMANCE_WORK="$work" python3 scripts/conformance.py "$endpoint" || status=1

# The AWS CLI (v1) against the same server.
passed=0 failed=0
cli() { aws personalize --endpoint-url "$endpoint" --output json "$@"; }
expect() { # expect NAME COMMAND...: the command succeeds
  local name=$1; shift
  if out=$("$@" 2>&1); then passed=$((passed+1)); echo "PASS cli $name"; else failed=$((failed+1)); echo "FAIL cli $name: $out"; fi
}
cli_checks() {
  cli create-dataset-group --name cli-shop --domain ECOMMERCE | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["datasetGroupArn"].endswith("dataset-group/cli-shop"), d'
}
expect "create-dataset-group" cli_checks
page_checks() {
  local first next
  first=$(cli list-datasets --max-items 2 --page-size 1)
  echo "$first" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["datasets"])==2 and d["NextToken"], d'
  next=$(echo "$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["NextToken"])')
  cli list-datasets --max-items 3 --page-size 2 --starting-token "$next" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["datasets"])==3, d'
}
expect "list-datasets --max-items --page-size --starting-token" page_checks
error_checks() {
  local out
  if out=$(cli describe-dataset-group --dataset-group-arn arn:aws:personalize:us-east-1:123456789012:dataset-group/none 2>&1); then return 1; fi
  echo "$out" | grep -q ResourceNotFoundException
}
expect "describe-dataset-group error" error_checks
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1

if [ "$status" -ne 0 ]; then
  echo "--- server log ---"
  tail -50 "$work/log"
fi
exit $status
