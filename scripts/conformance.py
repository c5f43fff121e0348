"""Conformance checks of a running perso server through boto3.

Usage: python3 scripts/conformance.py http://127.0.0.1:PORT

Drives the control plane with the boto3 client exactly as an application
would against AWS, including the ListDatasets paginator with MaxItems,
PageSize and StartingToken. Prints one line per check and a closing
"N passed, N failed" line; exits non-zero on any failure.
"""

import datetime
import json
import os
import sys
import time
import traceback

import boto3
import botocore
from botocore.config import Config

ENDPOINT = sys.argv[1]
REGION = "us-east-1"
ACCOUNT = "123456789012"

client = boto3.client(
    "personalize",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    aws_access_key_id=ACCOUNT,
    aws_secret_access_key="local",
    config=Config(retries={"max_attempts": 1}),
)

INTERACTIONS = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
    "version": "1.0",
})
USERS = json.dumps({
    "type": "record", "name": "Users", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}],
    "version": "1.0",
})

results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported
            results.append((name, e))
            print(f"FAIL {name}: {e}")
            traceback.print_exc()
        return fn
    return wrap


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"got {got}, want {code}: {e}"
        return e
    raise AssertionError(f"no error, want {code}")


state = {}


@check("create dataset groups, schemas and datasets")
def _():
    state["schema_i"] = client.create_schema(name="conf-interactions", schema=INTERACTIONS)["schemaArn"]
    state["schema_u"] = client.create_schema(name="conf-users", schema=USERS)["schemaArn"]
    groups = []
    for g in range(30):
        arn = client.create_dataset_group(name=f"conf-{g:02d}")["datasetGroupArn"]
        assert arn == f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/conf-{g:02d}", arn
        groups.append(arn)
    state["groups"] = groups
    created = []
    for g in groups:
        name = g.rsplit("/", 1)[1]
        created.append(client.create_dataset(name=name + "-i", datasetGroupArn=g, datasetType="Interactions", schemaArn=state["schema_i"])["datasetArn"])
        created.append(client.create_dataset(name=name + "-u", datasetGroupArn=g, datasetType="users", schemaArn=state["schema_u"])["datasetArn"])
    state["newest_first"] = list(reversed(created))
    assert created[1].endswith(":dataset/conf-00/USERS"), created[1]


@check("describe dataset group, schema and dataset")
def _():
    g = client.describe_dataset_group(datasetGroupArn=state["groups"][0])["datasetGroup"]
    assert g["status"] == "ACTIVE" and g["name"] == "conf-00", g
    assert hasattr(g["creationDateTime"], "year"), "timestamps must parse as datetimes"
    s = client.describe_schema(schemaArn=state["schema_i"])["schema"]
    assert json.loads(s["schema"]) == json.loads(INTERACTIONS)
    d = client.describe_dataset(datasetArn=state["newest_first"][0])["dataset"]
    assert d["datasetGroupArn"] == state["groups"][-1], d


@check("list_datasets paginator: PageSize and MaxItems with StartingToken")
def _():
    want = state["newest_first"]
    paginator = client.get_paginator("list_datasets")
    for page_size in (1, 7, 100):
        got = []
        for page in paginator.paginate(PaginationConfig={"PageSize": page_size}):
            assert len(page["datasets"]) <= page_size
            got += [d["datasetArn"] for d in page["datasets"]]
        assert got == want, f"page size {page_size}: {len(got)} items"
    # MaxItems stops part-way through a page; the StartingToken resumes
    # exactly there, as against AWS.
    got, token = [], None
    while True:
        cfg = {"MaxItems": 9, "PageSize": 4}
        if token:
            cfg["StartingToken"] = token
        result = paginator.paginate(PaginationConfig=cfg).build_full_result()
        got += [d["datasetArn"] for d in result["datasets"]]
        token = result.get("NextToken")
        if not token:
            break
    assert got == want, f"resumed listing differs: {len(got)} vs {len(want)}"


@check("list_datasets paginator with datasetGroupArn")
def _():
    paginator = client.get_paginator("list_datasets")
    pages = paginator.paginate(datasetGroupArn=state["groups"][3], PaginationConfig={"MaxItems": 50, "PageSize": 10})
    got = [d["datasetArn"] for page in pages for d in page["datasets"]]
    assert [a.rsplit("/", 1)[1] for a in got] == ["USERS", "INTERACTIONS"], got
    none = client.list_datasets(datasetGroupArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/missing")
    assert none["datasets"] == [], none


@check("list_dataset_groups and list_schemas paginators")
def _():
    groups = [g["datasetGroupArn"] for p in client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 4}) for g in p["datasetGroups"]]
    assert groups == list(reversed(state["groups"])), len(groups)
    schemas = [s["schemaArn"] for p in client.get_paginator("list_schemas").paginate(PaginationConfig={"PageSize": 1}) for s in p["schemas"]]
    assert schemas == [state["schema_u"], state["schema_i"]], schemas


@check("errors: codes and classes as boto3 models them")
def _():
    expect_error("ResourceAlreadyExistsException", client.create_dataset_group, name="conf-00")
    expect_error("ResourceNotFoundException", client.describe_dataset_group, datasetGroupArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/nope")
    expect_error("InvalidInputException", client.create_dataset_group, name="no spaces allowed")
    expect_error("InvalidInputException", client.list_datasets, maxResults=101)
    expect_error("InvalidNextTokenException", client.list_datasets, nextToken="forged")
    expect_error("ResourceInUseException", client.delete_schema, schemaArn=state["schema_i"])
    expect_error("ResourceInUseException", client.delete_dataset_group, datasetGroupArn=state["groups"][0])
    try:
        client.describe_dataset_group(datasetGroupArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/nope")
    except client.exceptions.ResourceNotFoundException:
        pass


@check("tags")
def _():
    arn = state["groups"][0]
    client.tag_resource(resourceArn=arn, tags=[{"tagKey": "env", "tagValue": "test"}])
    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"tagKey": "env", "tagValue": "test"}], tags
    client.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == []


@check("delete dataset, then its group")
def _():
    group = state["groups"][0]
    for d in client.list_datasets(datasetGroupArn=group)["datasets"]:
        client.delete_dataset(datasetArn=d["datasetArn"])
    client.delete_dataset_group(datasetGroupArn=group)
    expect_error("ResourceNotFoundException", client.describe_dataset_group, datasetGroupArn=group)


@check("not yet implemented operations answer a modeled error")
def _():
    e = expect_error("NotImplementedException", client.list_solutions)
    assert "not implemented" in e.response["Error"]["Message"]


S3_ENDPOINT = os.environ.get("PERSO_TEST_S3")
WORK = os.environ["CONFORMANCE_WORK"]


def wait_for(describe, key, done=("ACTIVE",), failed=("CREATE FAILED",), timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        obj = describe()[key]
        if obj["status"] in done:
            return obj
        assert obj["status"] not in failed, obj.get("failureReason")
        time.sleep(0.05)
    raise AssertionError(f"{key} did not finish")


def interactions_csv(rows=1500):
    lines = ["USER_ID,ITEM_ID,TIMESTAMP"]
    lines += [f"u{i % 97},i{i % 311},{1700000000 + i}" for i in range(rows)]
    return "\n".join(lines) + "\n"


@check("import a file and stream events (events API through boto3)")
def _():
    group = client.create_dataset_group(name="conf-data")["datasetGroupArn"]
    ds = client.create_dataset(name="conf-data-i", datasetGroupArn=group, datasetType="Interactions", schemaArn=state["schema_i"])["datasetArn"]
    state["data_group"], state["data_ds"] = group, ds
    path = os.path.join(WORK, "interactions.csv")
    with open(path, "w") as f:
        f.write(interactions_csv())
    job = client.create_dataset_import_job(jobName="conf-file", datasetArn=ds, dataSource={"dataLocation": "file://" + path},
                                           roleArn="arn:aws:iam::123456789012:role/perso", importMode="FULL")["datasetImportJobArn"]
    wait_for(lambda: client.describe_dataset_import_job(datasetImportJobArn=job), "datasetImportJob")
    jobs = client.list_dataset_import_jobs(datasetArn=ds)["datasetImportJobs"]
    assert [j["jobName"] for j in jobs] == ["conf-file"], jobs
    tracker = client.create_event_tracker(name="conf-tracker", datasetGroupArn=group)
    events = boto3.client("personalize-events", endpoint_url=ENDPOINT, region_name=REGION,
                          aws_access_key_id=ACCOUNT, aws_secret_access_key="local", config=Config(retries={"max_attempts": 1}))
    events.put_events(trackingId=tracker["trackingId"], userId="live-user", sessionId="s1",
                      eventList=[{"eventType": "click", "itemId": "live-item", "sentAt": datetime.datetime(2026, 11, 26)}])
    try:
        events.put_events(trackingId="no-such-tracker", sessionId="s1",
                          eventList=[{"eventType": "click", "itemId": "x", "sentAt": datetime.datetime(2026, 11, 26)}])
        raise AssertionError("unknown tracking ID accepted")
    except events.exceptions.ResourceNotFoundException:
        pass
    out = os.path.join(WORK, "export")
    job = client.create_dataset_export_job(jobName="conf-export", datasetArn=ds, ingestionMode="ALL", roleArn="arn:aws:iam::123456789012:role/perso",
                                           jobOutput={"s3DataDestination": {"path": "file://" + out + "/"}})["datasetExportJobArn"]
    wait_for(lambda: client.describe_dataset_export_job(datasetExportJobArn=job), "datasetExportJob")
    with open(os.path.join(out, "conf-export", "part-00000.csv")) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 + 1500 + 1 and lines[-1].startswith("live-user,live-item,"), (len(lines), lines[-1])


@check("import from and export to S3 (when an S3 server is given)")
def _():
    if not S3_ENDPOINT:
        print("  skipped: PERSO_TEST_S3 not set")
        return
    s3 = boto3.client("s3", endpoint_url=S3_ENDPOINT, region_name="us-east-1",
                      aws_access_key_id=os.environ["PERSO_TEST_S3_ACCESS_KEY"], aws_secret_access_key=os.environ["PERSO_TEST_S3_SECRET_KEY"],
                      config=Config(s3={"addressing_style": "path"}))
    bucket = os.environ["PERSO_TEST_S3_BUCKET"]
    prefix = f"conformance-{int(time.time() * 1000)}/"
    s3.put_object(Bucket=bucket, Key=prefix + "in/interactions.csv", Body=interactions_csv(2000).encode())
    ds = state["data_ds"]
    job = client.create_dataset_import_job(jobName="conf-s3", datasetArn=ds, dataSource={"dataLocation": f"s3://{bucket}/{prefix}in/"},
                                           roleArn="arn:aws:iam::123456789012:role/perso", importMode="FULL")["datasetImportJobArn"]
    wait_for(lambda: client.describe_dataset_import_job(datasetImportJobArn=job), "datasetImportJob")
    job = client.create_dataset_export_job(jobName="conf-s3-export", datasetArn=ds, ingestionMode="BULK", roleArn="arn:aws:iam::123456789012:role/perso",
                                           jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/{prefix}out/"}})["datasetExportJobArn"]
    wait_for(lambda: client.describe_dataset_export_job(datasetExportJobArn=job), "datasetExportJob")
    body = s3.get_object(Bucket=bucket, Key=prefix + "out/conf-s3-export/part-00000.csv")["Body"].read().decode()
    assert len(body.splitlines()) == 2001, len(body.splitlines())


failed = sum(1 for _, e in results if e is not None)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
