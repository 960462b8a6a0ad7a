# Trains two scikit-learn versions of an iris classifier and registers them in Stagecraft with the
# official MLflow client (Stagecraft speaks MLflow's REST API), then promotes v1 and v2 to Production.
# Run (the README's "Python models"): MLFLOW_TRACKING_URI=http://127.0.0.1:5100 python3 examples/mlflow-sklearn/train_and_register.py
# Needs mlflow, scikit-learn and pandas; the server needs an interpreter that can load the model
# (`--python` / STAGECRAFT_PYTHON).
import mlflow
import mlflow.sklearn
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

X, y = load_iris(return_X_y=True, as_frame=True)
mlflow.set_experiment("iris")
for C in (1.0, 0.05):  # two versions: different regularisation
    model = LogisticRegression(C=C, max_iter=500).fit(X, y)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, "model", signature=infer_signature(X, model.predict(X)), input_example=X.head(3))
    mlflow.register_model(info.model_uri, "iris")

client = MlflowClient()
client.transition_model_version_stage("iris", 1, "Production")  # v1 loads in a Python worker, warms, serves
client.transition_model_version_stage("iris", 2, "Production", archive_existing_versions=True)  # v1 stays warm
print("registered iris v1 and v2; v2 is in Production")
