// Versions: stages, labels, aliases and artifact paths — the pure rules.
import { createHash } from 'node:crypto';
import { invalid } from '../../errors.js';
import { CONTROL_RE } from '../models/models.js';
import type { VersionsTable } from './versions-store.js';

/** A version as stored. */
export type VersionRow = VersionsTable;

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
export const SERVING_STAGES: Stage[] = ['Staging', 'Production'];

export const HEALTHS = ['unknown', 'stable', 'failed'] as const;
export type Health = (typeof HEALTHS)[number];

/** Stage input is case-insensitive and stored in its canonical spelling. */
export function canonicalStage(input: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === String(input).trim().toLowerCase());
  if (!found) throw invalid(`invalid stage "${input}"; expected one of ${STAGES.join(', ')}`);
  return found;
}

export function isStageName(input: string): boolean {
  return STAGES.some((s) => s.toLowerCase() === input.toLowerCase());
}

const ALIAS_RE = /^[\w-]+$/;

export function validateAlias(alias: string): string {
  if (!alias || alias.length > 255 || !ALIAS_RE.test(alias)) {
    throw invalid(`invalid alias "${alias}": use letters, digits, "_" and "-" (at most 255 characters)`);
  }
  // Reserved so that models:/name@latest and models:/name@v3 can never mean two things.
  if (alias.toLowerCase() === 'latest') throw invalid('alias "latest" is reserved');
  if (/^v\d+$/i.test(alias)) throw invalid(`alias "${alias}" is reserved: v<digits> names a version`);
  return alias;
}

const LABEL_RE = /^[A-Za-z0-9][\w.+-]*$/;

export function validateLabel(label: string): string {
  if (!label || label.length > 128 || !LABEL_RE.test(label)) {
    throw invalid(`invalid label "${label}": start with a letter or digit, then letters, digits, ".", "_", "+", "-"`);
  }
  // models:/name/<suffix> tries digits, then "latest", then stages, then labels: a label must not
  // look like any of the others or it could never be addressed.
  if (/^\d+$/.test(label)) throw invalid(`label "${label}" is all digits and would read as a version number`);
  if (label.toLowerCase() === 'latest' || isStageName(label)) throw invalid(`label "${label}" is reserved`);
  return label;
}

// Artifact paths are relative, '/'-separated, and can never climb out of the version's directory.
export function validateArtifactPath(p: string): string {
  if (typeof p !== 'string' || p.length === 0) throw invalid('artifact path must not be empty');
  if (p.length > 1024) throw invalid('artifact path is longer than 1024 characters');
  if (CONTROL_RE.test(p)) throw invalid(`artifact path "${p}" contains control characters`);
  if (p.includes('\\')) throw invalid(`artifact path "${p}" must use "/" separators, not "\\"`);
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw invalid(`artifact path "${p}" must be relative, not absolute`);
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) throw invalid(`artifact path "${p}" must not contain ".."`);
  if (parts.some((s) => s === '' || s === '.')) throw invalid(`artifact path "${p}" has an empty or "." segment`);
  return p;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** One digest over the whole manifest: equal digests mean byte-identical versions. */
export function manifestDigest(files: ManifestEntry[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.size}\0${f.sha256}\n`);
  }
  return `sha256:${h.digest('hex')}`;
}
