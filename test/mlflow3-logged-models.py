# The MLflow 3 logged-model workflow with the official client, against MLFLOW_TRACKING_URI:
# log a scikit-learn model (a LoggedModel), register it from runs:/ and from models:/m-…, load it
# back from models:/m-… and models:/<name>/1, list and download its artifacts through the run,
# search/get/tag/finalize/delete logged models. Prints one JSON object the test asserts on.
import json, os, tempfile
import numpy as np
import mlflow
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from sklearn.linear_model import LogisticRegression

name = os.environ['MODEL_NAME']
X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
y = np.array([0, 0, 1, 1])
model = LogisticRegression().fit(X, y)
expected = model.predict(X).tolist()
mlflow.set_experiment(os.environ['EXPERIMENT'])
with mlflow.start_run() as run:
    mlflow.log_param('C', '1.0')
    info = mlflow.sklearn.log_model(model, name='model', params={'alpha': '0.5'}, input_example=X[:1])
    mlflow.log_metric('acc', 0.75, model_id=info.model_id)
run_id, mid = run.info.run_id, info.model_id
c = MlflowClient()
out = {'model_id': mid, 'model_uri': info.model_uri, 'run_id': run_id}
mv1 = mlflow.register_model(f'runs:/{run_id}/model', name)
mv2 = mlflow.register_model(f'models:/{mid}', name)
got = c.get_model_version(name, mv1.version)
out['versions'] = [mv1.version, mv2.version]
# The client's ModelVersion drops model_id/model_params/model_metrics (its from_proto has a TODO); the test reads them over HTTP.
out['version'] = {'source': got.source, 'run_id': got.run_id}
out['download_uri'] = c.get_model_version_download_uri(name, mv1.version)
out['pred_logged'] = mlflow.pyfunc.load_model(f'models:/{mid}').predict(X).tolist() == expected
out['pred_version'] = mlflow.pyfunc.load_model(f'models:/{name}/1').predict(X).tolist() == expected
out['list'] = sorted(a.path for a in c.list_artifacts(run_id, 'model'))
with tempfile.TemporaryDirectory() as d:
    out['download'] = sorted(os.listdir(c.download_artifacts(run_id, 'model', d)))
found = c.search_logged_models(experiment_ids=[run.info.experiment_id], filter_string="params.alpha = '0.5' AND metrics.acc > 0.5",
                               order_by=[{'field_name': 'creation_timestamp', 'ascending': False}])
out['search'] = [m.model_id for m in found]
lm = c.get_logged_model(mid)
out['get'] = {'name': lm.name, 'status': str(lm.status), 'params': lm.params, 'source_run_id': lm.source_run_id,
              'metrics': [(m.key, m.value) for m in (lm.metrics or [])], 'model_versions': json.loads(lm.tags.get('mlflow.modelVersions', '[]'))}
c.set_logged_model_tags(mid, {'team': 'a'})
out['tagged'] = c.get_logged_model(mid).tags.get('team')
c.delete_logged_model_tag(mid, 'team')
out['untagged'] = 'team' not in c.get_logged_model(mid).tags
extra = c.create_logged_model(experiment_id=run.info.experiment_id, name='extra')
c.finalize_logged_model(extra.model_id, LoggedModelStatus.READY)
out['finalized'] = str(c.get_logged_model(extra.model_id).status)
c.delete_logged_model(extra.model_id)
try:
    c.get_logged_model(extra.model_id)
    out['deleted'] = False
except mlflow.exceptions.MlflowException as e:
    out['deleted'] = e.error_code
print(json.dumps(out))
