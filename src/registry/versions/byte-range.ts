// HTTP Range for file downloads (RFC 9110 §14): one range, `bytes=a-b`, `bytes=a-` or `bytes=-n`.
// Several ranges or a malformed header are ignored (the whole file is sent, as the RFC allows);
// a range starting past the end is unsatisfiable (416).
import type { ByteRange } from '../../blobs/blob-store.js';

export type RangeAnswer = { kind: 'whole' } | { kind: 'part'; range: Required<ByteRange> } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeAnswer {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? { kind: 'unsatisfiable' } : { kind: 'part', range: { start: size - n, end: size - 1 } };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'whole' };
  return { kind: 'part', range: { start, end } };
}
