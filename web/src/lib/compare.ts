// Differences between two versions: metrics (with the change), params, and signature tensors.
import type { Signature, Version } from '../types';
import { shapeText } from './format';

export interface Diff<T> {
  key: string;
  a: T | undefined;
  b: T | undefined;
  changed: boolean;
}

function diffRecords<T>(a: Record<string, T>, b: Record<string, T>, same: (x: T, y: T) => boolean): Diff<T>[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => {
    const x = a[key];
    const y = b[key];
    const changed = x === undefined || y === undefined || !same(x, y);
    return { key, a: x, b: y, changed };
  });
}

function tensors(sig: Signature | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of sig?.inputs ?? []) out[`input ${t.name}`] = `${t.type} ${shapeText(t.shape)}`;
  for (const t of sig?.outputs ?? []) out[`output ${t.name}`] = `${t.type} ${shapeText(t.shape)}`;
  return out;
}

export function compareVersions(a: Version, b: Version) {
  return {
    metrics: diffRecords(a.metrics, b.metrics, (x, y) => x === y),
    params: diffRecords(a.params, b.params, (x, y) => x === y),
    signature: diffRecords(tensors(a.signature), tensors(b.signature), (x, y) => x === y),
  };
}
