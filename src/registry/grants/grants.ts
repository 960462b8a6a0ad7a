// Per-model grants, resolved in memory. A grant gives a principal (`user:<email or sub>`,
// `group:<name>`, `token:<name>`) a role — or an explicit deny — on a model name, a glob (`fraud-*`)
// or every model (`*`). For (principal, model): any matching deny means no access; otherwise the
// most specific matching allow applies (exact > the glob with the longer literal part > `*`; a tie
// takes the higher role), and a token's own role counts as an allow on `*`. Pure: the set is built
// once per change (grants-cache.ts) and each answer is memoised, so a check on the hot path is two
// map lookups.
import { invalid } from '../../errors.js';
import { higherRole, type Principal, type Role } from '../tokens/tokens.js';
// The grants table's types (declared beside its store) come with this module wherever it is used.
import type {} from './grants-store.js';

export const GRANT_ROLES = ['viewer', 'editor', 'deployer', 'admin', 'deny'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];
export const PRINCIPAL_TYPES = ['user', 'group', 'token'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** A grant as the API shows it. */
export interface Grant {
  id: number;
  principal_type: PrincipalType;
  principal_name: string;
  scope: string;
  role: GrantRole;
  created_by: string;
  created_at: string;
}

export type GrantRule = Pick<Grant, 'principal_type' | 'principal_name' | 'scope' | 'role'>;

const SCOPE_RE = /^[\w.*@+/-]{1,256}$/;
const NAME_RE = /^[^\s]{1,256}$/;

export function isGrantRole(v: string): v is GrantRole {
  return (GRANT_ROLES as readonly string[]).includes(v);
}
export function isPrincipalType(v: string): v is PrincipalType {
  return (PRINCIPAL_TYPES as readonly string[]).includes(v);
}

/** Refuses a grant that could never match or mean anything (a 400 naming the field). */
export function validateGrant(g: { principal_type: string; principal_name: string; scope: string; role: string }): GrantRule {
  if (!isPrincipalType(g.principal_type)) throw invalid(`principal_type: "${g.principal_type}" is not one of ${PRINCIPAL_TYPES.join(', ')}`);
  if (!NAME_RE.test(g.principal_name)) throw invalid(`principal_name: "${g.principal_name}" must be 1-256 characters without spaces`);
  if (!SCOPE_RE.test(g.scope)) throw invalid(`scope: "${g.scope}" must be a model name, a glob such as "fraud-*", or "*"`);
  if (!isGrantRole(g.role)) throw invalid(`role: "${g.role}" is not one of ${GRANT_ROLES.join(', ')}`);
  return { principal_type: g.principal_type, principal_name: g.principal_name, scope: g.scope, role: g.role };
}

/** 'fraud-*' → /^fraud-.*$/; `*` is the only wildcard (any run of characters). */
function globRegex(scope: string): RegExp {
  const body = scope.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

interface Compiled {
  role: GrantRole;
  /** Exact: Infinity; a glob: its literal characters; `*`: -1. */
  specificity: number;
  matches: (model: string) => boolean;
}

function compile(g: GrantRule): Compiled {
  if (g.scope === '*') return { role: g.role, specificity: -1, matches: () => true };
  if (!g.scope.includes('*')) return { role: g.role, specificity: Infinity, matches: (m) => m === g.scope };
  const re = globRegex(g.scope);
  return { role: g.role, specificity: g.scope.replaceAll('*', '').length, matches: (m) => re.test(m) };
}

/** The keys a principal's grants are filed under: its token, or its person (email and sub) and groups. */
export function principalKeys(p: Principal): string[] {
  if (p.kind === 'token') return [`token:${p.name}`];
  if (p.kind === 'open') return [];
  const keys = new Set<string>([`user:${p.name}`]);
  if (p.email) keys.add(`user:${p.email}`);
  if (p.subject) keys.add(`user:${p.subject}`);
  for (const g of p.groups) keys.add(`group:${g}`);
  return [...keys];
}

const MEMO_MAX = 10_000;

/** An immutable set of grants with memoised answers. */
export class GrantSet {
  private readonly byKey = new Map<string, Compiled[]>();
  private readonly memo = new Map<string, Map<string, Role | null>>();
  private byPrincipal = new WeakMap<Principal, Map<string, Role | null>>();
  private memoSize = 0;

  constructor(rules: readonly GrantRule[]) {
    for (const r of rules) {
      const key = `${r.principal_type}:${r.principal_name}`;
      let list = this.byKey.get(key);
      if (!list) this.byKey.set(key, (list = []));
      list.push(compile(r));
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }

  private grantsOf(p: Principal): Compiled[] {
    const keys = principalKeys(p);
    if (keys.length === 1) return this.byKey.get(keys[0]) ?? [];
    return keys.flatMap((k) => this.byKey.get(k) ?? []);
  }

  /**
   * The memo of one principal's answers. Found by the principal object first: a token's principal
   * is the same object on every request (the token cache keeps it), and a person's is made once per
   * request, so its key (up to five grant keys joined) is built once per request, not once per model
   * of a filtered list.
   */
  private memoOf(p: Principal): Map<string, Role | null> {
    let perModel = this.byPrincipal.get(p);
    if (perModel) return perModel;
    const memoKey = p.kind === 'token' ? `t:${p.name}:${p.role}` : `u:${principalKeys(p).join('|')}:${p.role}`;
    perModel = this.memo.get(memoKey);
    if (!perModel) this.memo.set(memoKey, (perModel = new Map()));
    this.byPrincipal.set(p, perModel);
    return perModel;
  }

  /** The principal's role on a model (null: no access at all, the model is invisible to it). */
  roleOn(p: Principal, model: string): Role | null {
    if (p.open) return 'admin';
    const perModel = this.memoOf(p);
    const hit = perModel.get(model);
    if (hit !== undefined) return hit;
    const role = resolve(this.grantsOf(p), p.role, model);
    if (++this.memoSize > MEMO_MAX) {
      this.memo.clear();
      this.byPrincipal = new WeakMap();
      this.memoSize = 0;
    }
    perModel.set(model, role);
    return role;
  }

  /** The role on routes that touch no single model: the principal's own role with its `*` grants (a `*` deny: none). */
  globalRole(p: Principal): Role | null {
    if (p.open) return 'admin';
    let role = p.role;
    for (const g of this.grantsOf(p)) {
      if (g.specificity !== -1) continue;
      if (g.role === 'deny') return null;
      role = higherRole(role, g.role);
    }
    return role;
  }

  /** Whether the principal may read at least some model (its own people's role, or any allow grant); a gateway token's role reads no lists. */
  seesAny(p: Principal): boolean {
    return p.open || (p.role !== null && p.role !== 'gateway') || this.grantsOf(p).some((g) => g.role !== 'deny');
  }
}

function resolve(grants: readonly Compiled[], own: Role | null, model: string): Role | null {
  let best: Role | null = own;
  let bestSpecificity = own === null ? -Infinity : -1;
  for (const g of grants) {
    if (!g.matches(model)) continue;
    if (g.role === 'deny') return null;
    if (g.specificity > bestSpecificity) {
      best = g.role;
      bestSpecificity = g.specificity;
    } else if (g.specificity === bestSpecificity) {
      best = higherRole(best, g.role);
    }
  }
  return best;
}
