"""A broader day with the official MLflow client (2.17.2 or 3.x) against Stagecraft.

Driven by test/mlflow-clients/broad-scenario.test.ts through harness.ts. Every check is its own step:
a failing step is recorded (`{"error": ...}`) and the others still run, so the test names exactly
which client calls work with which client. Environment: BROAD_PREFIX (unique name prefix),
BROAD_ONNX_DIR (model-1.onnx, model-2.onnx written by the test), BROAD_ROW (JSON feature row).
Prints ONE JSON line: {"mlflow_version": ..., "steps": {name: {"value": ...} | {"error": ...}}}.
"""
import json
import os
import sys
import tempfile
import time
import traceback

import mlflow
import requests
from mlflow import MlflowClient

PREFIX = os.environ["BROAD_PREFIX"]
ONNX_DIR = os.environ["BROAD_ONNX_DIR"]
ROW = json.loads(os.environ["BROAD_ROW"])
URI = os.environ["MLFLOW_TRACKING_URI"]
AUTH = {"Authorization": f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"} if os.environ.get("MLFLOW_TRACKING_TOKEN") else {}
client = MlflowClient()
steps = {}
ctx = {}

MLMODEL_ONNX = """artifact_path: model
flavors:
  onnx:
    data: model.onnx
    onnx_version: 1.12.0
  python_function:
    data: model.onnx
    loader_module: mlflow.onnx
"""


def step(name):
    def wrap(fn):
        try:
            steps[name] = {"value": fn()}
        except Exception as e:
            steps[name] = {"error": f"{type(e).__name__}: {e}"[:1500]}
            traceback.print_exc(file=sys.stderr)
        return fn

    return wrap


@step("experiment")
def _():
    exp_id = client.create_experiment(f"{PREFIX}-exp")
    ctx["exp"] = exp_id
    by_name = client.get_experiment_by_name(f"{PREFIX}-exp")
    found = client.search_experiments(filter_string=f"name LIKE '{PREFIX}-%'")
    return {"same_id": by_name.experiment_id == exp_id, "found": [e.name for e in found]}


@step("run with params, metrics, tags, artifacts")
def _():
    with mlflow.start_run(experiment_id=ctx["exp"], run_name="broad", tags={"team": "fraud"}) as run:
        mlflow.log_params({"C": "0.5", "penalty": "l2"})
        for i, v in enumerate([0.5, 0.7, 0.9]):
            mlflow.log_metric("acc", v, step=i)
        mlflow.set_tag("stage", "dev")
        mlflow.log_dict({"threshold": 0.4}, "config/threshold.json")
        mlflow.log_text("hello", "notes.txt")
    ctx["run"] = run.info.run_id
    got = client.get_run(run.info.run_id)
    return {
        "status": got.info.status,
        "params": got.data.params,
        "metrics": got.data.metrics,
        "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.")},
        "history": [m.value for m in client.get_metric_history(run.info.run_id, "acc")],
    }


@step("search_runs")
def _():
    runs = client.search_runs([ctx["exp"]], filter_string="metrics.acc > 0.8 and params.penalty = 'l2'", order_by=["metrics.acc DESC"])
    none = client.search_runs([ctx["exp"]], filter_string="metrics.acc > 0.95")
    return {"hits": [r.info.run_id == ctx["run"] for r in runs], "none": len(none)}


@step("list_artifacts")
def _():
    top = sorted((f.path, f.is_dir) for f in client.list_artifacts(ctx["run"]))
    inner = [f.path for f in client.list_artifacts(ctx["run"], "config")]
    return {"top": top, "config": inner}


@step("download_artifacts of a run")
def _():
    with tempfile.TemporaryDirectory() as d:
        p = mlflow.artifacts.download_artifacts(run_id=ctx["run"], artifact_path="config/threshold.json", dst_path=d)
        return json.load(open(p))


@step("registered models: create with tags, search with filters and pages")
def _():
    for i in range(7):
        client.create_registered_model(f"{PREFIX}-m{i}", tags={"team": "a" if i % 2 == 0 else "b"}, description=f"model {i}")
    pages, token = [], None
    while True:
        page = client.search_registered_models(filter_string=f"name LIKE '{PREFIX}-m%' and tags.team = 'a'", max_results=2, order_by=["name DESC"], page_token=token)
        pages.append([m.name.replace(PREFIX, "") for m in page])
        token = page.token
        if not token:
            break
    ilike = [m.name.replace(PREFIX, "") for m in client.search_registered_models(filter_string=f"name ILIKE '{PREFIX.upper()}-M1%'")]
    return {"pages": pages, "ilike": ilike}


@step("model tags and descriptions")
def _():
    name = f"{PREFIX}-m0"
    client.set_registered_model_tag(name, "owner", "alice")
    client.delete_registered_model_tag(name, "team")
    client.update_registered_model(name, description="the first")
    m = client.get_registered_model(name)
    return {"tags": m.tags, "description": m.description}


@step("versions: tags, stages, latest, download")
def _():
    name = f"{PREFIX}-m0"
    src = f"runs:/{ctx['run']}/config"
    a = client.create_model_version(name, src, run_id=ctx["run"], tags={"flavor": "json"}, description="v1")
    b = client.create_model_version(name, src, run_id=ctx["run"])
    client.set_model_version_tag(name, b.version, "validated", "yes")
    client.delete_model_version_tag(name, a.version, "flavor")
    client.update_model_version(name, b.version, description="second")
    client.transition_model_version_stage(name, a.version, "Staging")
    latest = sorted((v.current_stage, v.version) for v in client.get_latest_versions(name))
    staging = [v.version for v in client.get_latest_versions(name, stages=["Staging"])]
    tagged = [v.version for v in client.search_model_versions(f"name = '{name}' and tags.validated = 'yes'")]
    by_run = sorted(v.version for v in client.search_model_versions(f"run_id = '{ctx['run']}'"))
    got = client.get_model_version(name, b.version)
    with tempfile.TemporaryDirectory() as d:
        path = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{a.version}", dst_path=d)
        files = sorted(os.listdir(path))
        threshold = json.load(open(os.path.join(path, "threshold.json")))
    return {
        "latest": latest,
        "staging": staging,
        "tagged": tagged,
        "by_run": by_run,
        "b": {"tags": got.tags, "description": got.description, "run_id": got.run_id == ctx["run"]},
        "download": {"files": files, "threshold": threshold},
        "download_uri": client.get_model_version_download_uri(name, a.version).startswith("mlflow-artifacts:/"),
    }


def served(name, want, timeout=15):
    """Inference through Stagecraft's gateway until the version `want` answers (bounded)."""
    body = {"inputs": [{"name": "input", "shape": [1, len(ROW)], "datatype": "FP32", "data": ROW}]}
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        r = requests.post(f"{URI}/v2/models/{name}/infer", json=body, headers=AUTH, timeout=10)
        last = (r.status_code, r.headers.get("stagecraft-model-version"))
        if r.status_code == 200 and last[1] == str(want):
            return {"version": want, "output": r.json()["outputs"][0]["data"][0]}
        time.sleep(0.05)
    raise AssertionError(f"version {want} never answered; last {last}")


@step("ONNX logged and moved by the client moves the gateway")
def _():
    name = f"{PREFIX}-served"
    client.create_registered_model(name)
    for v in (1, 2):
        with mlflow.start_run(experiment_id=ctx["exp"]) as run, tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "model"))
            open(os.path.join(d, "model", "MLmodel"), "w").write(MLMODEL_ONNX)
            with open(os.path.join(ONNX_DIR, f"model-{v}.onnx"), "rb") as src, open(os.path.join(d, "model", "model.onnx"), "wb") as dst:
                dst.write(src.read())
            mlflow.log_artifacts(os.path.join(d, "model"), "model")
        mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    seen = []
    client.transition_model_version_stage(name, 1, "Production")
    seen.append(served(name, 1))
    client.transition_model_version_stage(name, 2, "Production", archive_existing_versions=True)
    seen.append(served(name, 2))
    client.transition_model_version_stage(name, 1, "Production", archive_existing_versions=True)  # roll back
    seen.append(served(name, 1))
    return seen


print(json.dumps({"mlflow_version": mlflow.__version__, "steps": steps}))
