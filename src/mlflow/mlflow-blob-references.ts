// What the MLflow door keeps in the blob store: every file uploaded through the artifact proxy
// (runs' artifacts and logged models' files) until it is deleted through the proxy. Registered
// versions' files are the kernel's references, not these.
import type { BlobReferences } from '../registry/index.js';
import { artifactDigests, artifactDigestsAmong } from './mlflow-artifacts-store.js';

export const mlflowArtifactReferences: BlobReferences = {
  owner: 'mlflow artifacts',
  all: (db) => artifactDigests(db),
  among: (db, sha256s) => artifactDigestsAmong(db, sha256s),
};
