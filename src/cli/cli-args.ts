// Argument parsers: a malformed argument is a usage error (exit 2) before any request is sent.
import { InvalidArgumentError } from 'commander';

export function versionNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`"${value}" is not a version number (1, 2, 3…)`);
  return Number(value);
}

/** --param k=v, repeatable: values stay strings unless they read as numbers or booleans. */
export function collectParam(value: string, previous: Record<string, string | number | boolean> = {}) {
  const [k, v] = splitPair(value);
  return { ...previous, [k]: v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v };
}

/** --metric k=v, repeatable: values must be numbers. */
export function collectMetric(value: string, previous: Record<string, number> = {}) {
  const [k, v] = splitPair(value);
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`metric "${k}" needs a number, got "${v}"`);
  return { ...previous, [k]: n };
}

function splitPair(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}
