// Grant management for a door that is not the native API (MLflow's permission endpoints): the
// same service calls, with this server's cache reloaded after each change, and the acting request's actor.
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import type { Grant, PrincipalType } from './grants.js';
import { addGrant, findGrantOn, listGrants, removeGrant, replaceGrant } from './grants-service.js';

export const grantsApi = {
  list: (deps: Deps) => listGrants(deps),
  find: (deps: Deps, type: PrincipalType, name: string, scope: string): Promise<Grant | undefined> => findGrantOn(deps, type, name, scope),
  add: (deps: Deps, req: FastifyRequest, g: { principal_type: PrincipalType; principal_name: string; scope: string; role: string }) => addGrant(deps, req.server.grants, actorOf(req), g),
  setRole: (deps: Deps, req: FastifyRequest, id: number, role: string) => replaceGrant(deps, req.server.grants, actorOf(req), id, role),
  remove: (deps: Deps, req: FastifyRequest, id: number) => removeGrant(deps, req.server.grants, actorOf(req), id),
};
