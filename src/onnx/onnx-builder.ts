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
