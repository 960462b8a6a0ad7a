// Per-model checks, in one place. Every route that touches a model declares how to find its name
// (config.model, or implied by /api/v1/models/:name/…); the preHandler below resolves the caller's
// role on THAT model from the in-memory grant set and answers: a model the caller may not read is
// a 404 exactly like a missing one (no existence leak), one it may read but not change is a 403.
// Lists (`list`) let anyone who may see some model in, and filter their answers with readableBy.
// The MLflow door, which parses its own input, asks modelAccess from its handler ('handler').
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound, type AppError } from '../../errors.js';
import { forbidden } from '../tokens/auth.js';
import { allows, modelRefOf, type ModelRef, type Permission, type Principal, type Role } from '../tokens/tokens.js';
import type { GrantSet } from './grants.js';
import type { GrantsCache } from './grants-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    grants: GrantsCache;
  }
}

/** The role the request's principal has on routes that touch no single model (grants on `*` included). */
export function globalRoleOf(request: FastifyRequest): Role | null {
  const p = request.principal;
  if (!p) return null;
  return p.open ? 'admin' : request.server.grants.current().globalRole(p);
}

/** What a check on one model found: allowed (with the role), hidden (answer as missing), or forbidden. */
export type ModelVerdict = { ok: true; role: Role | null } | { ok: false; hidden: boolean; error?: AppError };

/** Whether a role may see a model at all: viewer and up, or a serving replica's token. */
const sees = (role: Role | null) => allows(role, 'follow');

export function verdictOn(set: GrantSet, principal: Principal, model: string, permission: Permission): ModelVerdict {
  if (permission === 'public' || principal.open) return { ok: true, role: principal.open ? 'admin' : principal.role };
  const role = set.roleOn(principal, model);
  if (!sees(role)) return { ok: false, hidden: true };
  if (!allows(role, permission)) return { ok: false, hidden: false, error: forbidden(principal, role, permission) };
  return { ok: true, role };
}

/**
 * The check a handler runs itself (MLflow's door): undefined when the request may do `permission`
 * on `model`; 'hidden' when the door must answer exactly as for a missing model; else the 403.
 */
export function modelAccess(request: FastifyRequest, model: string, permission: Permission): undefined | 'hidden' | AppError {
  const p = request.principal;
  if (!p) return 'hidden';
  const v = verdictOn(request.server.grants.current(), p, model, permission);
  if (v.ok) {
    request.modelRole = v.role;
    return undefined;
  }
  return v.hidden ? 'hidden' : v.error;
}

/**
 * A filter for list and search answers: the models this request's principal may read. Entries of
 * no model (null: audit events about tokens, grants, blobs) go to whoever may follow globally.
 */
export function readableBy(request: FastifyRequest): (model: string | null) => boolean {
  const p = request.principal;
  if (!p || p.open) return () => !!p;
  const set = request.server.grants.current();
  const global = sees(set.globalRole(p));
  return (model) => (model === null ? global : sees(set.roleOn(p, model)));
}

function field(from: unknown, key: string | undefined): string | undefined {
  const v = key && from && typeof from === 'object' ? (from as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function modelNameOf(request: FastifyRequest, ref: Exclude<ModelRef, 'handler' | { lookup: unknown }>): string | undefined {
  if ('from' in ref) return ref.from(request);
  if ('param' in ref) return field(request.params, ref.param);
  if ('body' in ref) return field(request.body, ref.body);
  return field(request.query, ref.query);
}

export function registerGrantChecks(app: FastifyInstance, cache: GrantsCache): void {
  app.decorate('grants', cache);
  app.addHook('onReady', async () => cache.load());
  // After validation (bodies are parsed), callback style: the answer is in memory, so no promise.
  app.addHook('preHandler', (request, _reply, done) => {
    const config = request.routeOptions.config;
    const permission = config?.permission;
    const p = request.principal;
    if (!permission || permission === 'public' || !p || p.open) return done();
    const ref = modelRefOf(request.routeOptions.url, config.model);
    if (ref === undefined || ref === 'handler') return done();
    if ('lookup' in ref) {
      // Not on a hot path (approvals by id): the owning model is looked up, then checked as any other.
      ref.lookup(request).then((found) => {
        if (found === undefined) return done();
        const refused = modelAccess(request, found.model, permission);
        done(refused === 'hidden' ? found.missing : refused);
      }, done);
      return;
    }
    const set = cache.current();
    const name = modelNameOf(request, ref);
    if (name === undefined) {
      // A list (filtered by its handler), or a route whose model is absent: the global role, or any grant to see something by.
      const role = set.globalRole(p);
      if (allows(role, permission) || ('list' in ref && set.seesAny(p))) return done();
      return done(forbidden(p, role, permission));
    }
    const v = verdictOn(set, p, name, permission);
    if (v.ok) {
      request.modelRole = v.role;
      return done();
    }
    // Creating under a name no grant covers: a 403 (it says nothing about what exists; no role there either way).
    if ('create' in ref && ref.create) return done(forbidden(p, null, permission));
    if (v.hidden && 'hiddenAsMissing' in ref && ref.hiddenAsMissing) {
      request.modelHidden = true;
      return done();
    }
    done(v.hidden ? notFound(`model "${name}" does not exist`) : v.error);
  });
}

/** modelAccess for the native API: throws the 404 of a missing model, or the 403. */
export function checkModel(request: FastifyRequest, model: string, permission: Permission = 'read'): void {
  const refused = modelAccess(request, model, permission);
  if (refused === 'hidden') throw notFound(`model "${model}" does not exist`);
  if (refused) throw refused;
}

/**
 * A name a model is about to take (create, rename): the caller needs `permission` there, else a 403
 * whether or not a model has it (no role on the name says nothing about what exists).
 */
export function checkNewModelName(request: FastifyRequest, model: string, permission: Permission = 'write'): void {
  const p = request.principal;
  if (!p || p.open) return;
  const role = request.server.grants.current().roleOn(p, model);
  if (!allows(role, permission)) throw forbidden(p, role, permission as Exclude<Permission, 'public'>);
}
