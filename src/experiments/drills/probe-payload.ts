// What a drill probe sends: one row of zeros the version accepts. An ONNX version's signature is in
// the registry (a tensor: one instance of its width); a Python (MLflow) version's signature is the
// worker's own, known once loaded, so it is read from the gateway's metadata of that version — a
// DataFrame signature (named 1-D columns) gets one record with a zero (or '') per column.

export interface MetadataInput {
  name: string;
  datatype: string;
  shape: number[];
}

/** The TF Serving `instances` body for a tensor signature of `width` features. */
export function tensorProbe(width: number): string {
  return JSON.stringify({ instances: [new Array(Math.max(1, width)).fill(0)] });
}

/** The body for the inputs a loaded version's Open Inference Protocol metadata lists. */
export function probeFromMetadata(inputs: MetadataInput[] | undefined): string {
  if (!inputs?.length) return tensorProbe(1);
  const columns = inputs.length > 1 || inputs[0].shape.length <= 1;
  if (!columns) return tensorProbe(inputs[0].shape.at(-1) ?? 1);
  return JSON.stringify({ instances: [Object.fromEntries(inputs.map((i) => [i.name, i.datatype === 'BYTES' ? '' : 0]))] });
}
