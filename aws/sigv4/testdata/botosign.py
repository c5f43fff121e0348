"""Sign or send Personalize requests with botocore for sigv4's tests.

Reads one JSON object from stdin and writes one to stdout.

  {"mode": "sign", "method", "url", "headers": [[k, v], ...], "body",
   "access_key", "secret_key", "region", "service", "token"?,
   "sign_all_headers"?}
      signs the request with botocore.auth.SigV4Auth and prints
      {"method", "url", "headers": [[k, v], ...], "body"}.
      sign_all_headers empties botocore's list of unsigned headers, to
      imitate clients that sign User-Agent and X-Amzn-Trace-Id.

  {"mode": "call", "endpoint", "region", "access_key", "secret_key"}
      calls personalize ListDatasetGroups through a botocore client (as the
      AWS CLI does) and prints {"ok": true} or {"error_code", "status"}.
"""

import json
import sys

import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session


def sign(req):
    if req.get("sign_all_headers"):
        botocore.auth.SIGNED_HEADERS_BLACKLIST[:] = []
    creds = botocore.credentials.Credentials(
        req["access_key"], req["secret_key"], req.get("token"))
    r = botocore.awsrequest.AWSRequest(
        method=req["method"], url=req["url"],
        headers=dict(req.get("headers") or []),
        data=req["body"].encode("utf-8"))
    botocore.auth.SigV4Auth(creds, req["service"], req["region"]).add_auth(r)
    return {"method": r.method, "url": r.url,
            "headers": [[k, v] for k, v in r.headers.items()],
            "body": req["body"]}


def call(req):
    client = botocore.session.get_session().create_client(
        "personalize", region_name=req["region"],
        endpoint_url=req["endpoint"],
        aws_access_key_id=req["access_key"],
        aws_secret_access_key=req["secret_key"],
        config=botocore.config.Config(retries={"total_max_attempts": 1}))
    try:
        client.list_dataset_groups()
    except botocore.exceptions.ClientError as e:
        return {"error_code": e.response["Error"]["Code"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return {"ok": True}


def main():
    req = json.load(sys.stdin)
    out = {"sign": sign, "call": call}[req["mode"]](req)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
