// Writes the walkthrough's two fraud classifiers: model-v1/model.onnx (good) and model-v2/model.onnx
// (recall on the fraud class collapses) — the same logistic regressions `stagecraft demo` serves.
// The .onnx files are checked in (a few hundred bytes each) so the README walkthrough runs on a fresh
// clone with no build step; test/examples.test.ts fails if they differ from what this script writes.
// Regenerate: npx tsx examples/fraud/build-models.ts
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAUD_V1, FRAUD_V2, fraudModel } from '../../src/observe/demo-scenario.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The example models' bytes, by path relative to examples/fraud. */
export function fraudExampleModels(): Record<string, Buffer> {
  return {
    'model-v1/model.onnx': fraudModel(FRAUD_V1, 'fraud v1: logistic regression, all features'),
    'model-v2/model.onnx': fraudModel(FRAUD_V2, 'fraud v2: retrained with a bad feature scaling'),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [rel, bytes] of Object.entries(fraudExampleModels())) {
    fs.mkdirSync(path.dirname(path.join(here, rel)), { recursive: true });
    fs.writeFileSync(path.join(here, rel), bytes);
    console.log(`wrote examples/fraud/${rel} (${bytes.length} bytes)`);
  }
}
