// MLflow 3's permission endpoints (its basic-auth app: registered-models/permissions/*, users/*),
// answered from Stagecraft's grants where they map, so MLflow clients and UIs that manage
// per-model permissions keep working. A registered-model permission of `username` is a grant to
// the person `user:<username>` with that exact model name as its scope; MLflow's permission names
// map to roles as docs/mlflow-compat.md records (READ→viewer, USE→viewer, EDIT→editor,
// MANAGE→admin, NO_PERMISSIONS→deny; back: deployer reads as EDIT). MLflow's own user store
// (passwords, admin flags) and experiment permissions have no counterpart: BAD_REQUEST (400) saying so.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { globalRoleOf, grantsApi, type Grant, type GrantRole } from '../registry/index.js';
import { badParam, MlflowError } from './mlflow-errors.js';
import { byModelName } from './mlflow-model-access.js';
import { requireMlModel } from './mlflow-registry-service.js';
import { reqString, rpc, type Input } from './mlflow-transport.js';

const TO_ROLE: Record<string, GrantRole> = { READ: 'viewer', USE: 'viewer', EDIT: 'editor', MANAGE: 'admin', NO_PERMISSIONS: 'deny' };
const TO_PERMISSION: Record<GrantRole, string> = { viewer: 'READ', editor: 'EDIT', deployer: 'EDIT', admin: 'MANAGE', deny: 'NO_PERMISSIONS' };

function roleOf(permission: string): GrantRole {
  const role = TO_ROLE[permission];
  if (!role) throw badParam(`Invalid permission '${permission}'. Valid permissions are: ('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')`);
  return role;
}

/** MLflow's user ids are integers; a person here has none, so the id is derived from the name (stable). */
function userId(username: string): number {
  let h = 0;
  for (const c of username) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h);
}

const permissionJson = (g: Grant) => ({ name: g.scope, user_id: userId(g.principal_name), permission: TO_PERMISSION[g.role] });

const notFoundPermission = (name: string, username: string) =>
  new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered model permission with name=${name} and username=${username} not found`);

async function existing(deps: Deps, input: Input) {
  const name = reqString(input, 'name');
  const username = reqString(input, 'username');
  await requireMlModel(deps, name);
  return { name, username, grant: await grantsApi.find(deps, 'user', username, name) };
}

async function userJson(deps: Deps, username: string) {
  const grants = (await grantsApi.list(deps)).filter((g) => g.principal_type === 'user' && g.principal_name === username);
  if (grants.length === 0) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `User with username=${username} not found`);
  return {
    id: userId(username),
    username,
    is_admin: grants.some((g) => g.scope === '*' && g.role === 'admin'),
    experiment_permissions: [],
    // Only exact-scope grants are MLflow registered-model permissions; globs and `*` have no MLflow form.
    registered_model_permissions: grants.filter((g) => !g.scope.includes('*')).map(permissionJson),
    scorer_permissions: [],
  };
}

function notImplemented(app: FastifyInstance, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, what: string): void {
  rpc(app, method, url, 'read', async () => {
    throw new MlflowError('BAD_REQUEST', `${what} Stagecraft keeps no MLflow user store; manage access with grants (stagecraft grants, /api/v1/grants) and sign-in with tokens or OIDC.`);
  });
}

export function mlflowPermissionsRoutes(app: FastifyInstance, deps: Deps): void {
  // Managing a model's permissions needs MANAGE there, as in MLflow: admin on that model.
  rpc(app, 'POST', '/registered-models/permissions/create', 'admin', async (input, req) => {
    const permission = reqString(input, 'permission');
    const { name, username, grant } = await existing(deps, input);
    const role = roleOf(permission);
    if (grant) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered model permission with name=${name} and username=${username} already exists.`);
    const created = await grantsApi.add(deps, req, { principal_type: 'user', principal_name: username, scope: name, role });
    return { registered_model_permission: permissionJson(created) };
  }, byModelName);

  rpc(app, 'GET', '/registered-models/permissions/get', 'admin', async (input) => {
    const { name, username, grant } = await existing(deps, input);
    if (!grant) throw notFoundPermission(name, username);
    return { registered_model_permission: permissionJson(grant) };
  }, byModelName);

  rpc(app, 'PATCH', '/registered-models/permissions/update', 'admin', async (input, req) => {
    const permission = reqString(input, 'permission');
    const { name, username, grant } = await existing(deps, input);
    const role = roleOf(permission);
    if (!grant) throw notFoundPermission(name, username);
    if (grant.role !== role) await grantsApi.setRole(deps, req, grant.id, role);
    return {};
  }, byModelName);

  rpc(app, 'DELETE', '/registered-models/permissions/delete', 'admin', async (input, req) => {
    const { name, username, grant } = await existing(deps, input);
    if (!grant) throw notFoundPermission(name, username);
    await grantsApi.remove(deps, req, grant.id);
    return {};
  }, byModelName);

  rpc(app, 'GET', '/users/get', 'admin', async (input) => ({ user: await userJson(deps, reqString(input, 'username')) }));

  rpc(app, 'GET', '/users/current', 'read', async (_input, req: FastifyRequest) => {
    const p = req.principal!;
    return { user: { id: userId(p.name), username: p.name, is_admin: globalRoleOf(req) === 'admin' } };
  });

  rpc(app, 'GET', '/users/list', 'admin', async () => {
    const names = [...new Set((await grantsApi.list(deps)).filter((g) => g.principal_type === 'user').map((g) => g.principal_name))].sort();
    return { users: await Promise.all(names.map(async (n) => { const u = await userJson(deps, n); return { id: u.id, username: u.username, is_admin: u.is_admin }; })) };
  });

  notImplemented(app, 'POST', '/users/create', 'Creating MLflow users (username and password) is not supported:');
  notImplemented(app, 'PATCH', '/users/update-password', 'MLflow user passwords are not supported:');
  notImplemented(app, 'PATCH', '/users/update-admin', 'MLflow admin flags are not supported (an admin here is a grant of admin on "*"):');
  notImplemented(app, 'DELETE', '/users/delete', 'Deleting MLflow users is not supported (remove the person\'s grants instead):');
  for (const [method, op] of [['POST', 'create'], ['GET', 'get'], ['PATCH', 'update'], ['DELETE', 'delete']] as const) {
    notImplemented(app, method, `/experiments/permissions/${op}`, 'Experiment permissions are not supported (grants are per registered model):');
  }
}

