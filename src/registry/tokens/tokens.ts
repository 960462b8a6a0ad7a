// Roles and permissions. The people's roles are ordered: each includes everything the ones before it
// may do. `gateway` stands apart: a serving replica's token, which reads what it needs to serve and
// reports what it served, and nothing else — and only it may report (an admin cannot forge a
// replica's observations either).
// The tokens table's types (declared beside its store) come with this module wherever it is used.
import type {} from './tokens-store.js';

/** Every role a token can have: the ordered ones, then `gateway`. */
export const ROLES = ['viewer', 'editor', 'deployer', 'admin', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

/** The ordered roles: each may do everything the ones before it may. */
export const LADDER: readonly Role[] = ['viewer', 'editor', 'deployer', 'admin'];

/**
 * What a route requires. 'public' needs no principal at all (health checks, the OpenAPI document).
 * 'follow': what a gateway replica reads to serve — the serving snapshot, the change feed, versions,
 * their manifests and files, target history: viewers and up, and gateway tokens.
 * 'report': what only a gateway replica sends — heartbeats, observations, shadow comparisons:
 * gateway tokens alone (everyone while the server runs open, as for every route).
 */
export type Permission = 'public' | 'read' | 'follow' | 'write' | 'deploy' | 'admin' | 'report';

/**
 * Which model a route touches, for per-model grants (registry/grants/grants-access.ts checks it in
 * one place): a path parameter, a query or body field (`create`: the model may not exist yet, so
 * no role on the name is a 403, not a 404); `list`: the answer is filtered to the models the
 * caller may read, narrowed to one by the query field `query` when given; 'handler': the handler
 * names the model itself (MLflow's door, whose input is parsed its own way). Routes under
 * /api/v1/models/:name need not declare it.
 */
export type ModelRef =
  /**
   * `hiddenAsMissing`: a model the caller may not read is not refused here; request.modelHidden is
   * set and the handler answers exactly as for a model it does not have (inference routes, whose
   * not-found answers are in each protocol's own shape).
   */
  | { param: string; hiddenAsMissing?: boolean }
  | { from: (request: import('fastify').FastifyRequest) => string | undefined; hiddenAsMissing?: boolean }
  | { query: string }
  | { body: string; create?: boolean }
  | { list: true; query?: string }
  /**
   * A route on something that belongs to a model (an approval request by id): the model's name and
   * the error the route answers when the thing is missing (answered too when its model is hidden);
   * undefined when it does not exist (the handler's own 404 answers).
   */
  | { lookup: (request: import('fastify').FastifyRequest) => Promise<{ model: string; missing: Error } | undefined> }
  | 'handler';

/** The model-name parameter every /api/v1/models/:name/… route carries. */
const MODEL_ROUTE_PREFIX = '/api/v1/models/:name';

/** A route's model reference: declared, or implied by its path. */
export function modelRefOf(url: string | undefined, declared: ModelRef | undefined): ModelRef | undefined {
  if (declared) return declared;
  return url && (url === MODEL_ROUTE_PREFIX || url.startsWith(`${MODEL_ROUTE_PREFIX}/`)) ? { param: 'name' } : undefined;
}

const NEEDED_ROLE: Record<'read' | 'write' | 'deploy' | 'admin', Role> = {
  read: 'viewer',
  write: 'editor',
  deploy: 'deployer',
  admin: 'admin',
};

/** Who a request acts as: a token, a person signed in with OIDC, or anyone (open local mode). */
export interface Principal {
  /** The actor recorded in events: a token's name, or a person's email (else preferred_username, else sub). */
  name: string;
  kind: 'token' | 'user' | 'open';
  /** Baseline global role: a token's own role; null for a person signed in with OIDC (grants decide). */
  role: Role | null;
  /** True when the server runs open (no tokens exist, local bind). */
  open: boolean;
  /** A person's OIDC `sub`. */
  subject?: string;
  email?: string;
  /** The `name` claim. */
  displayName?: string;
  /** Group names from the configured OIDC claim (e.g. `groups`); [] for tokens. */
  groups: readonly string[];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The higher of two roles on the ladder (gateway and null rank lowest). */
export function higherRole(a: Role | null, b: Role | null): Role | null {
  if (a === null || b === null) return a ?? b;
  return LADDER.indexOf(a) >= LADDER.indexOf(b) ? a : b;
}

const atLeast = (role: Role, needed: Role) => LADDER.includes(role) && LADDER.indexOf(role) >= LADDER.indexOf(needed);

export function allows(role: Role | null, permission: Permission): boolean {
  if (permission === 'public') return true;
  if (role === null) return false;
  if (permission === 'report') return role === 'gateway';
  if (permission === 'follow') return role === 'gateway' || atLeast(role, 'viewer');
  return atLeast(role, NEEDED_ROLE[permission]);
}

/** Whom a permission is for, in the words of a 403. */
export function neededRole(permission: Exclude<Permission, 'public'>): string {
  if (permission === 'report') return 'a token with the gateway role (serving replicas only)';
  if (permission === 'follow') return 'viewer or higher, or gateway';
  return `${NEEDED_ROLE[permission]} or higher`;
}

/** Whether the principal may do what `permission` allows: its role does, or the server runs open. */
export function principalMay(principal: Principal | null, permission: Permission): boolean {
  if (permission === 'public') return true;
  return !!principal && (principal.open || allows(principal.role, permission));
}
