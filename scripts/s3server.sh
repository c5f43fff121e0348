#!/usr/bin/env bash
# Starts a throwaway S3-compatible server for tests: versitygw (Apache-2.0)
# with its posix backend, listening on a free 127.0.0.1 port, with one empty
# bucket. Installs versitygw from the Go module proxy when it is missing.
#
# Prints only `export ...` lines on stdout, so that a CI step can run
#   eval "$(bash scripts/s3server.sh)"
# and then `go test ./blob/` runs the S3 suite against it. The server keeps
# running after this script returns; stop it with
#   kill "$PERSO_TEST_S3_PID"
# Its data and log are under $PERSO_TEST_S3_DIR.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
access=persotest
secret=persotest-secret
bucket=perso-test

export PATH="$PATH:$(go env GOPATH)/bin"
if ! command -v versitygw >/dev/null 2>&1; then
  echo "s3server: installing versitygw $VERSITYGW_VERSION (takes a few minutes)" >&2
  go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/perso-s3.XXXXXX")
mkdir -p "$dir/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"

nohup versitygw --access "$access" --secret "$secret" --port "127.0.0.1:$port" --quiet \
  posix "$dir/data" >"$dir/log" 2>&1 </dev/null &
pid=$!
disown "$pid" 2>/dev/null || true

up=
for _ in $(seq 1 200); do
  if curl -s -o /dev/null "$endpoint/"; then up=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.05
done
if [ -z "$up" ]; then
  echo "s3server: versitygw did not start; its log ($dir/log):" >&2
  cat "$dir/log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi

if ! python3 - "$endpoint" "$access" "$secret" "$bucket" >&2 <<'PY'
import sys
import boto3
from botocore.config import Config
endpoint, access, secret, bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket=bucket)
PY
then
  echo "s3server: could not create bucket $bucket; versitygw log ($dir/log):" >&2
  cat "$dir/log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi

echo "export PERSO_TEST_S3=$endpoint PERSO_TEST_S3_ACCESS_KEY=$access PERSO_TEST_S3_SECRET_KEY=$secret PERSO_TEST_S3_BUCKET=$bucket"
echo "export PERSO_TEST_S3_PID=$pid PERSO_TEST_S3_DIR=$dir"
