// Small display helpers: dates, sizes, digests, roles.
import type { Role } from '../types';

const ROLES: Role[] = ['viewer', 'editor', 'deployer', 'admin'];

/** Roles are ordered; each may do everything the ones before it may. */
export function roleAtLeast(role: string | null | undefined, needed: Role): boolean {
  return !!role && ROLES.indexOf(role as Role) >= ROLES.indexOf(needed);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3 min ago" for recent times; the full time belongs in a title/tooltip next to it. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The first 12 hex digits are plenty for a person to compare; the full digest goes in a title. */
export function shortDigest(d: string | null | undefined): string {
  if (!d) return '—';
  const hex = d.replace(/^sha256:/, '');
  return hex.slice(0, 12);
}

export function shapeText(shape: number[]): string {
  return `[${shape.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]`;
}
