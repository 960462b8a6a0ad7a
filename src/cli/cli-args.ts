// Argument parsers: a malformed argument is a usage error (exit 2) before any request is sent.
import { InvalidArgumentError } from 'commander';
import { CliError, EXIT } from './cli-errors.js';

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

/**
 * A number for a path or query parameter the server validates (a version, a window): the server
 * coerces text the same way (+v), so each input gets the answer it got when sent as text. Only ''
 * would differ (0), so it stays NaN, which the server refuses as not a number, as it refused ''.
 */
export function serverNumber(value: string): number {
  return value === '' ? NaN : Number(value);
}

/** A version or an id checked inside a command: not a positive whole number is a usage error. */
export function positiveInteger(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${what} must be a positive whole number, not "${value}"`, EXIT.usage);
  return n;
}
