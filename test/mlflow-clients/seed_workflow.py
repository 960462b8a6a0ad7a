"""The seed workflow (issue 15), as a new user runs it with the official MLflow client.

Driven by test/mlflow-clients/seed-workflow.test.ts through harness.ts, with MLflow 2.17.2 or 3.x.
Arguments (environment): SEED_MODEL (registered model name), SEED_PHASE (`register` or `cleanup`),
SEED_LOG (`log_model`: mlflow.sklearn.log_model, which in 3.x creates a LoggedModel; `artifacts`:
save_model + log_artifacts, the same files without the LoggedModel API).
Prints ONE JSON line on stdout: what the test asserts on. Any exception ends the script non-zero
with the failed step named, so the test shows which client call broke.
"""
import json
import os
import sys
import tempfile
import time
import traceback

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
from mlflow import MlflowClient
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

NAME = os.environ["SEED_MODEL"]
PHASE = os.environ.get("SEED_PHASE", "register")
LOG = os.environ.get("SEED_LOG", "log_model")
MAJOR = int(mlflow.__version__.split(".")[0])
out = {"mlflow_version": mlflow.__version__, "phase": PHASE, "steps": []}
T0 = time.time()
step_name = "start"


def step(name):
    global step_name
    step_name = name
    out["steps"].append([name, round(time.time() - T0, 2)])  # seconds since start: where a slow client spends its time


def data():
    X, y = make_classification(n_samples=200, n_features=4, random_state=7)
    return X.astype(np.float64), y


def log(model, run_name):
    """Logs `model` under artifact path `model` in a new run; returns (run_id, model_id or None)."""
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_param("C", model.C)
        mlflow.log_metric("train_accuracy", float(model.score(*data())))
        if LOG == "log_model":
            info = mlflow.sklearn.log_model(model, "model")
            model_id = getattr(info, "model_id", None)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                mlflow.sklearn.save_model(model, os.path.join(tmp, "model"))
                mlflow.log_artifacts(os.path.join(tmp, "model"), "model")
            model_id = None
    return run.info.run_id, model_id


def same(uri, expected, X):
    got = mlflow.pyfunc.load_model(uri).predict(X)
    return bool(np.array_equal(np.asarray(got), expected))


def register_phase(client):
    X, y = data()
    step("train")
    m1 = LogisticRegression(C=1.0, max_iter=200).fit(X, y)
    m2 = LogisticRegression(C=0.5, max_iter=200).fit(X, 1 - y)  # a different model: its predictions differ
    p1, p2 = m1.predict(X), m2.predict(X)
    out["models_differ"] = bool(not np.array_equal(p1, p2))
    out["rows"] = X[:8].tolist()  # for a served check: what the gateway must answer for v1 and v2
    out["predictions"] = {"1": p1[:8].tolist(), "2": p2[:8].tolist()}

    step("experiment")
    mlflow.set_experiment(f"seed-{NAME}")
    step("log_model v1")
    run1, model_id1 = log(m1, "v1")
    step("log_model v2")
    run2, _ = log(m2, "v2")
    out["model_id"] = model_id1

    step("register_model runs:/ v1")
    v1 = mlflow.register_model(f"runs:/{run1}/model", NAME)
    step("register_model runs:/ v2")
    v2 = mlflow.register_model(f"runs:/{run2}/model", NAME)
    out["registered"] = [v1.version, v2.version]

    step("transition v1 Production")
    client.transition_model_version_stage(name=NAME, version=1, stage="Production")
    step("promote v2 archiving v1")
    client.transition_model_version_stage(name=NAME, version=2, stage="Production", archive_existing_versions=True)
    out["after_promote"] = {v.version: v.current_stage for v in client.search_model_versions(f"name='{NAME}'")}
    step("roll back to v1")
    client.transition_model_version_stage(name=NAME, version=1, stage="Production", archive_existing_versions=True)
    out["after_rollback"] = {v.version: v.current_stage for v in client.search_model_versions(f"name='{NAME}'")}

    step("alias champion -> 2 -> 1")
    client.set_registered_model_alias(NAME, "champion", "2")
    client.set_registered_model_alias(NAME, "champion", "1")
    out["champion"] = client.get_model_version_by_alias(NAME, "champion").version

    step("load models:/ uris")
    out["loads"] = {
        "version 1": same(f"models:/{NAME}/1", p1, X),
        "version 2": same(f"models:/{NAME}/2", p2, X),
        "Production": same(f"models:/{NAME}/Production", p1, X),
        "@champion": same(f"models:/{NAME}@champion", p1, X),
    }
    if MAJOR >= 3 and LOG == "log_model":
        step("load models:/m-")
        out["loads"]["models:/m-"] = same(f"models:/{model_id1}", p1, X)

    step("register_model models:/ v1")
    v3 = mlflow.register_model(f"models:/{NAME}/1", NAME)
    out["copy"] = {"version": v3.version, "loads_like_v1": same(f"models:/{NAME}/{v3.version}", p1, X)}
    step("tag v3 failed")
    client.set_model_version_tag(NAME, v3.version, "status", "failed")

    step("search")
    out["search"] = {
        "models": [m.name for m in client.search_registered_models(filter_string=f"name='{NAME}'")],
        "failed": [v.version for v in client.search_model_versions(f"name='{NAME}' and tags.status='failed'")],
        "latest": sorted((v.current_stage, v.version) for v in client.get_latest_versions(NAME)),
    }


def cleanup_phase(client):
    renamed = f"{NAME}-renamed"
    X, y = data()
    p1 = LogisticRegression(C=1.0, max_iter=200).fit(X, y).predict(X)  # lbfgs is deterministic: v1's predictions
    step("delete version 3")
    client.delete_model_version(NAME, 3)
    step("delete alias champion")
    client.delete_registered_model_alias(NAME, "champion")
    step("rename")
    client.rename_registered_model(NAME, renamed)
    out["renamed"] = {
        "name": client.get_registered_model(renamed).name,
        "versions": sorted(v.version for v in client.search_model_versions(f"name='{renamed}'")),
        "Production": same(f"models:/{renamed}/Production", p1, X),
    }
    step("archive v1")
    client.transition_model_version_stage(renamed, 1, "Archived")
    step("delete model")
    client.delete_registered_model(renamed)
    out["after_delete"] = [m.name for m in client.search_registered_models(filter_string=f"name LIKE '{NAME}%'")]


def main():
    client = MlflowClient()
    try:
        (register_phase if PHASE == "register" else cleanup_phase)(client)
        out["ok"] = True
    except Exception as e:  # the test reports the failing step and the client's error
        out["ok"] = False
        out["failed_step"] = step_name
        out["error"] = f"{type(e).__name__}: {e}"[:2000]
        traceback.print_exc(file=sys.stderr)
    print(json.dumps(out))
    sys.exit(0 if out["ok"] else 1)


if __name__ == "__main__":
    main()
