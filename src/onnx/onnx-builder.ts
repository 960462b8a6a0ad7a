// Builds small real ONNX models from known weights — for tests, benchmarks and `stagecraft demo`,
// so every prediction can be checked by hand: p = sigmoid(x · w + b).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1;

export interface DenseModelSpec {
  weights: number[];
  bias: number;
  /** 'sigmoid' gives a logistic regression (probability output); 'none' a linear regression. */
  activation: 'sigmoid' | 'none';
  inputName?: string;
  outputName?: string;
  /** Written into the model's doc string so tests can tell versions apart by their bytes. */
  doc?: string;
}

function valueInfo(name: string, dims: Array<number | string>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export function denseModelOnnx(spec: DenseModelSpec): Buffer {
  const input = spec.inputName ?? 'input';
  const output = spec.outputName ?? (spec.activation === 'sigmoid' ? 'probability' : 'prediction');
  const f = spec.weights.length;
  const linearOut = spec.activation === 'sigmoid' ? 'logit' : output;
  const nodes = [
    onnx.NodeProto.create({ opType: 'MatMul', input: [input, 'W'], output: ['xw'], name: 'matmul' }),
    onnx.NodeProto.create({ opType: 'Add', input: ['xw', 'B'], output: [linearOut], name: 'add' }),
  ];
  if (spec.activation === 'sigmoid') {
    nodes.push(onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logit'], output: [output], name: 'sigmoid' }));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'stagecraft',
    docString: spec.doc ?? '',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'dense',
      node: nodes,
      initializer: [
        onnx.TensorProto.create({ name: 'W', dims: [f, 1], dataType: FLOAT, floatData: spec.weights }),
        onnx.TensorProto.create({ name: 'B', dims: [1], dataType: FLOAT, floatData: [spec.bias] }),
      ],
      input: [valueInfo(input, ['batch', f])],
      output: [valueInfo(output, ['batch', 1])],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** The same computation in plain TypeScript, to check served predictions against. */
export function denseModelPredict(spec: DenseModelSpec, row: number[]): number {
  const z = row.reduce((acc, x, i) => acc + x * spec.weights[i], spec.bias);
  return spec.activation === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : z;
}

export interface MlpModelSpec {
  inputs: number;
  /** Widths of the hidden ReLU layers. */
  hidden: number[];
  /** Seeds the weights (small, deterministic): the output is a probability, its value unimportant. */
  seed: number;
  doc?: string;
}

/**
 * A real multi-layer perceptron (MatMul + Add + Relu per layer, a sigmoid output): a model whose
 * inference costs what a small production tabular model does, for benchmarks that must not measure
 * only fixed per-request overhead.
 */
export function mlpModelOnnx(spec: MlpModelSpec): Buffer {
  let s = spec.seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.1;
  const widths = [spec.inputs, ...spec.hidden, 1];
  const nodes = [];
  const initializer = [];
  let prev = 'input';
  for (let l = 0; l < widths.length - 1; l++) {
    const [inW, outW] = [widths[l], widths[l + 1]];
    const last = l === widths.length - 2;
    initializer.push(onnx.TensorProto.create({ name: `W${l}`, dims: [inW, outW], dataType: FLOAT, floatData: Array.from({ length: inW * outW }, rand) }));
    initializer.push(onnx.TensorProto.create({ name: `B${l}`, dims: [outW], dataType: FLOAT, floatData: Array.from({ length: outW }, rand) }));
    nodes.push(onnx.NodeProto.create({ opType: 'MatMul', input: [prev, `W${l}`], output: [`xw${l}`], name: `matmul${l}` }));
    nodes.push(onnx.NodeProto.create({ opType: 'Add', input: [`xw${l}`, `B${l}`], output: [`z${l}`], name: `add${l}` }));
    const out = last ? 'probability' : `h${l}`;
    nodes.push(onnx.NodeProto.create({ opType: last ? 'Sigmoid' : 'Relu', input: [`z${l}`], output: [out], name: `act${l}` }));
    prev = out;
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'stagecraft',
    docString: spec.doc ?? '',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'mlp', node: nodes, initializer, input: [valueInfo('input', ['batch', spec.inputs])], output: [valueInfo('probability', ['batch', 1])] },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}
