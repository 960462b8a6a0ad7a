#!/usr/bin/env python3
"""Stagecraft's Python model worker: serves one MLflow model directory to the gateway.

Started by the gateway (src/serving/gateway/runtimes/python-worker-process.ts) as
``python stagecraft_worker.py MODEL_DIR``. Depends on the standard library and mlflow only (numpy and
pandas come with mlflow).

Protocol, on this process's stdin/stdout (anything the model prints goes to stderr instead): frames
of ``[u32 BE frame length][u32 BE header length][header JSON][payload]``. Tensors travel in the
header as JSON (``"enc": "json"``) or as raw little-endian bytes in the payload (``"enc": "raw"``,
with ``offset`` and ``length``); strings are always JSON. See python-worker-frames.ts.

- worker -> gateway, once: ``{"op": "ready", "signature": ..., "input_example": ..., "pid": ...}`` or
  ``{"op": "load_failed", "error": ..., "traceback": ...}`` (then it exits).
- gateway -> worker: ``{"id": N, "op": "predict", "inputs": [...], "enc": "raw"|"json"}`` or
  ``{"id": N, "op": "warm"}`` (predict on the model's own input example).
- worker -> gateway: ``{"id": N, "ok": true, "outputs": [...], "predict_us": T, "worker_us": W}`` (T: the model's
  own predict call, W: the whole request in the worker, frame read to frame written, microseconds;
  the gateway's overhead is measured against them) or
  ``{"id": N, "ok": false, "kind": "input"|"model", "error": ...}``.

Requests are answered in order, one at a time. The worker never outlives the gateway: it exits when
its stdin closes (the gateway's end of the pipe goes with the gateway, even on kill -9) and when its
parent process changes (polled), so a long load cannot keep it alive either.
"""
import json
import os
import struct
import sys
import threading
import time
import traceback
import warnings

# ONNX Runtime element type names (the gateway's) <-> numpy dtypes.
NUMERIC = {
    'float32': '<f4', 'float64': '<f8', 'int8': '<i1', 'uint8': '<u1', 'int16': '<i2',
    'int32': '<i4', 'int64': '<i8', 'uint16': '<u2', 'uint32': '<u4', 'uint64': '<u8', 'bool': '|b1',
}
# MLflow column types -> the gateway's element types.
COLUMN_TYPES = {
    'double': 'float64', 'float': 'float32', 'long': 'int64', 'integer': 'int32',
    'boolean': 'bool', 'string': 'string', 'binary': 'string', 'datetime': 'string',
}


def watch_parent():
    parent = os.getppid()

    def poll():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=poll, daemon=True).start()


def read_exact(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


def read_frame(stream):
    head = read_exact(stream, 8)
    if head is None:
        return None
    total, hlen = struct.unpack('>II', head)
    body = read_exact(stream, total - 4)
    if body is None:
        return None
    return json.loads(body[:hlen]), memoryview(body)[hlen:]


def write_frame(out, header, payload=b''):
    h = json.dumps(header, separators=(',', ':'), default=str).encode()
    out.write(struct.pack('>II', 4 + len(h) + len(payload), len(h)) + h + payload)
    out.flush()


def decode_inputs(np, specs, payload):
    arrays = {}
    for s in specs:
        dims = s['dims']
        if s.get('enc') == 'raw':
            dt = NUMERIC[s['type']]
            count = s['length'] // np.dtype(dt).itemsize
            a = np.frombuffer(payload, dtype=dt, count=count, offset=s['offset']).reshape(dims)
        elif s['type'] == 'string':
            a = np.asarray(s['data'], dtype=object).reshape(dims)
        else:
            a = np.asarray(s['data'], dtype=NUMERIC.get(s['type'], '<f8')).reshape(dims)
        arrays[s['name']] = a
    return arrays


def encode_outputs(np, named, enc):
    specs, parts, offset = [], [], 0
    for name, a in named:
        a = np.asarray(a)
        dims = list(a.shape) if a.ndim > 0 else [1]
        kind = a.dtype.kind
        if kind == 'f':
            t = 'float32' if a.dtype.itemsize <= 4 else 'float64'
        elif kind in 'iu':
            t = a.dtype.name if a.dtype.name in ('int8', 'uint8', 'int32', 'int64') else 'int64'
        elif kind == 'b':
            t = 'bool'
        else:
            t = 'string'
        if t == 'string':
            specs.append({'name': name, 'type': t, 'dims': dims, 'enc': 'json', 'data': [x if isinstance(x, str) else str(x) for x in a.reshape(-1).tolist()]})
        elif enc == 'raw':
            raw = np.ascontiguousarray(a, dtype=NUMERIC[t]).tobytes()
            specs.append({'name': name, 'type': t, 'dims': dims, 'enc': 'raw', 'offset': offset, 'length': len(raw)})
            parts.append(raw)
            offset += len(raw)
        else:
            specs.append({'name': name, 'type': t, 'dims': dims, 'enc': 'json', 'data': a.reshape(-1).tolist()})
    return specs, b''.join(parts)


def named_outputs(np, pd, pred):
    if isinstance(pred, pd.DataFrame):
        return [(str(c), pred[c].to_numpy()) for c in pred.columns]
    if isinstance(pred, pd.Series):
        return [('predictions', pred.to_numpy())]
    if isinstance(pred, dict):
        return [(str(k), np.asarray(v)) for k, v in pred.items()]
    return [('predictions', np.asarray(pred))]


def describe_schema(schema):
    """The MLflow schema as the gateway reads it: kind 'columns' or 'tensor', with typed entries."""
    if schema is None:
        return None
    if schema.is_tensor_spec():
        return {'kind': 'tensor', 'entries': [
            {'name': t.name, 'type': t.type.name, 'shape': [int(d) for d in t.shape]} for t in schema.inputs
        ]}
    entries = []
    for c in schema.inputs:
        name = getattr(c.type, 'name', None)
        entries.append({'name': c.name, 'type': COLUMN_TYPES.get(name, 'string' if name else 'object'), 'mlflow_type': str(name or c.type), 'required': getattr(c, 'required', True)})
    return {'kind': 'columns', 'entries': entries}


def example_json(ex):
    try:
        if ex is None:
            return None
        if hasattr(ex, 'to_dict') and hasattr(ex, 'columns'):
            d = ex.head(5).to_dict(orient='split')
            return {'columns': [str(c) for c in d['columns']], 'data': d['data']}
        if hasattr(ex, 'tolist'):
            return ex[:5].tolist()
        return json.loads(json.dumps(ex, default=str))
    except Exception:  # the example is informative only
        return None


class Served:
    def __init__(self, model_dir):
        import mlflow
        try:  # loading must not start MLflow tracing (it opens a tracking store: seconds, and files)
            import mlflow.tracing
            mlflow.tracing.disable()
        except Exception:
            pass
        import mlflow.pyfunc
        import numpy
        import pandas
        self.np, self.pd = numpy, pandas
        self.model = mlflow.pyfunc.load_model(model_dir)
        meta = self.model.metadata
        self.inputs = describe_schema(meta.get_input_schema())
        self.outputs = describe_schema(meta.get_output_schema())
        # Built once: pandas validates and hashes column labels on every DataFrame it makes from
        # scratch, and that was most of a 1-row request's cost around predict (measured: 44 us of
        # the DataFrame against 7 us from one 2-D block with a ready Index; docs/benchmarks.md).
        self.column_names = [e['name'] for e in self.inputs['entries']] if self.inputs and self.inputs['kind'] == 'columns' else []
        self.column_index = pandas.Index(self.column_names)
        try:
            self.example = meta.load_input_example(model_dir)
        except Exception:
            self.example = None
        self.mlflow_version = mlflow.__version__

    def pyfunc_input(self, arrays):
        """Named arrays -> what the model's signature wants: a DataFrame of columns, one tensor, or named tensors."""
        sig = self.inputs
        if sig and sig['kind'] == 'columns':
            names = self.column_names
            if len(arrays) == 1 and next(iter(arrays)) not in names:
                a = next(iter(arrays.values()))
                a = a.reshape(len(a), -1)
                return self.frame(a, self.column_index if a.shape[1] == len(names) else self.pd.Index(names[: a.shape[1]]))
            block = same_type_block(self.np, arrays, names)
            if block is not None:
                return self.frame(block, self.column_index)
            cols = {n: arrays[n].reshape(len(arrays[n]), -1)[:, 0] if arrays[n].ndim > 1 else arrays[n] for n in names if n in arrays}
            for n in arrays:
                if n not in cols:
                    cols[n] = arrays[n].reshape(-1)
            return self.pd.DataFrame(cols)
        if sig and sig['kind'] == 'tensor' and len(sig['entries']) == 1 and not sig['entries'][0]['name']:
            return next(iter(arrays.values()))
        if len(arrays) == 1 and not sig:
            return next(iter(arrays.values()))
        return arrays

    def frame(self, block, columns):
        """A DataFrame over one 2-D block (no copy), with column labels pandas need not check again."""
        return self.pd.DataFrame(block, columns=columns, index=self.pd.RangeIndex(len(block)), copy=False)

    def predict(self, data):
        return named_outputs(self.np, self.pd, self.model.predict(data))


def same_type_block(np, arrays, names):
    """The signature's columns side by side as one 2-D array, when each is a 1-column numeric array of
    one shared dtype (the common case: a numeric feature table); None otherwise (the general path)."""
    if len(arrays) != len(names) or not names:
        return None
    cols, dtype = [], None
    for n in names:
        a = arrays.get(n)
        if a is None or a.dtype.kind not in 'fiub' or (dtype is not None and a.dtype != dtype):
            return None
        if a.ndim != 1 and not (a.ndim == 2 and a.shape[1] == 1):
            return None
        dtype = a.dtype
        cols.append(a.reshape(-1))
    return np.column_stack(cols) if len(cols) > 1 else cols[0].reshape(-1, 1).copy()


def input_error(exc):
    """A request the model's signature refuses (MLflow's INVALID_PARAMETER_VALUE), not a model failure."""
    code = getattr(exc, 'error_code', None)
    return code in ('INVALID_PARAMETER_VALUE', 'BAD_REQUEST') or isinstance(exc, (KeyError, ValueError, TypeError))


def main():
    model_dir = sys.argv[1]
    # Frames go out on a private copy of stdout; the model's own prints land on stderr.
    out = os.fdopen(os.dup(1), 'wb')
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    warnings.simplefilter('once')
    watch_parent()
    try:
        served = Served(model_dir)
    except BaseException as exc:  # noqa: BLE001 - everything a load can raise is reported, then we exit
        tb = traceback.format_exc()
        write_frame(out, {'op': 'load_failed', 'error': f'{type(exc).__name__}: {exc}'[:2000], 'traceback': tb[-6000:]})
        sys.exit(3)
    write_frame(out, {
        'op': 'ready', 'pid': os.getpid(), 'python': sys.version.split()[0], 'mlflow': served.mlflow_version,
        'inputs': served.inputs, 'outputs': served.outputs, 'input_example': example_json(served.example),
        'has_input_example': served.example is not None,
    })
    np = served.np
    clock = os.environ.get('STAGECRAFT_WORKER_CLOCK') == '1'
    while True:
        frame = read_frame(inp)
        if frame is None:
            # The gateway is gone or closed us: leave at once (a full interpreter shutdown with
            # pandas, sklearn and mlflow loaded takes seconds, and there is nothing to flush).
            os._exit(0)
        header, payload = frame
        t_in = time.perf_counter()
        t_read = time.monotonic_ns() if clock else 0
        rid = header.get('id')
        enc = header.get('enc', 'json')
        try:
            if header.get('op') == 'warm':
                if served.example is None:
                    write_frame(out, {'id': rid, 'ok': True, 'outputs': []})
                    continue
                data = served.example
            else:
                data = served.pyfunc_input(decode_inputs(np, header['inputs'], payload))
        except Exception as exc:  # noqa: BLE001
            write_frame(out, {'id': rid, 'ok': False, 'kind': 'input', 'error': f'{exc}'[:2000]})
            continue
        try:
            t0 = time.perf_counter()
            pred = served.predict(data)
            predict_us = int((time.perf_counter() - t0) * 1e6)
            specs, raw = encode_outputs(np, pred, enc)
            worker_us = int((time.perf_counter() - t_in) * 1e6)
            answer = {'id': rid, 'ok': True, 'outputs': specs, 'predict_us': predict_us, 'worker_us': worker_us}
            if clock:  # bench/python-pipe.ts: both ends' CLOCK_MONOTONIC, to split the round trip
                answer['clock'] = [t_read, time.monotonic_ns()]
            write_frame(out, answer, raw)
        except Exception as exc:  # noqa: BLE001
            kind = 'input' if input_error(exc) else 'model'
            write_frame(out, {'id': rid, 'ok': False, 'kind': kind, 'error': f'{type(exc).__name__}: {exc}'[:2000], 'traceback': traceback.format_exc()[-2000:]})


if __name__ == '__main__':
    main()
