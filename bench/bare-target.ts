// bench/serving-floor.ts's floor, in its own process: bare-route.ts on the demo's fraud model
// (argv[2]: logreg | mlp, as bench/monitoring-target.ts serves it), at /v2/models/fraud/infer;
// argv[3]: the rung of the floor ladder (bare-route.ts), bare when absent.
import { FRAUD_FEATURES, FRAUD_V1, fraudModel } from '../src/observe/demo-scenario.js';
import { mlpModelOnnx } from '../src/onnx/onnx-builder.js';
import { bareRoute, RUNGS, type Rung } from './bare-route.js';
import { serveUsage } from './targets.js';

const modelBytes = process.argv[2] === 'mlp' ? mlpModelOnnx({ inputs: FRAUD_FEATURES.length, hidden: [1024, 1024], seed: 7, doc: 'fraud mlp' }) : fraudModel(FRAUD_V1, 'fraud v1');
const rung = (process.argv[3] ?? 'bare') as Rung;
if (!RUNGS.includes(rung)) throw new Error(`unknown rung ${rung}: one of ${RUNGS.join(', ')}`);
const bare = await bareRoute(modelBytes, '/v2/models/fraud/infer', rung);
serveUsage(bare.url, async () => {
  await bare.app.close();
  await bare.session.release();
});
