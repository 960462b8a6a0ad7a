// Per-model grants through the MLflow door. The door parses its own input, so each registry RPC
// declares how to find the model it touches and what a missing model answers there; the rpc
// wrapper asks the kernel's grants before the handler runs. A model the caller may not read gets
// exactly the answer a missing one gets (RESOURCE_DOES_NOT_EXIST, or the 400 that input checked
// before the lookup earns); a name a model is about to take needs the role there (else 403).
import type { FastifyRequest } from 'fastify';
import { checkNewModelName, modelAccess, type Permission } from '../registry/index.js';
import { badParam, modelNotFound, versionNotFound } from './mlflow-errors.js';
import { optString, reqString, versionParam, type Input, type ModelCheck } from './mlflow-transport.js';

interface RpcModelAccess {
  /** The model the RPC touches (undefined: the handler's own missing-parameter error answers). */
  model(input: Input): string | undefined;
  /** What the RPC answers for a missing model with this input: the same for a hidden one. */
  hidden(input: Input, name: string): Error;
  /** A name being taken (create): no role on it is a 403 whether or not a model has it. */
  creates?: boolean;
}

const nameOf = (input: Input) => optString(input, 'name') || undefined;

function check(access: RpcModelAccess): ModelCheck {
  return {
    check(request: FastifyRequest, input: Input, permission: Permission): void {
      const name = access.model(input);
      if (name === undefined) return;
      if (access.creates) return checkNewModelName(request, name, permission);
      const refused = modelAccess(request, name, permission);
      if (refused === 'hidden') throw access.hidden(input, name);
      if (refused) throw refused;
    },
  };
}

/** RPCs on a registered model by `name`. */
export const byModelName = check({ model: nameOf, hidden: (_input, name) => modelNotFound(name) });

/** RPCs on a model version by `name` and `version` (the version is checked first, as the handler does). */
export const byVersion = check({ model: nameOf, hidden: (input, name) => versionNotFound(name, versionParam(input)) });

/** registered-models/create: a name the caller needs `write` on. */
export const creatingModel = check({ model: nameOf, hidden: (_input, name) => modelNotFound(name), creates: true });

/** model-versions/create: `source` is checked before the model is looked up. */
export const newVersion = check({
  model: nameOf,
  hidden: (input, name) => {
    reqString(input, 'source');
    return modelNotFound(name);
  },
});

/** get-model-version-by-alias: a missing model answers 404 for `latest`, else MLflow's 400 for a missing alias. */
export const byAlias = check({
  model: nameOf,
  hidden: (input, name) => ((optString(input, 'alias') ?? '').toLowerCase() === 'latest' ? modelNotFound(name) : badParam(`Registered model alias ${optString(input, 'alias')} not found.`)),
});

/**
 * One page of an offset-paged search with only the rows `visible` lets through: scans batches from
 * `offset` until `limit` visible rows and one more are found or the rows run out. `next` is the
 * offset just past the last row of the page (null: no more visible rows), so pages stay full.
 */
export async function visibleOffsetPage<T>(
  fetch: (offset: number, n: number) => Promise<T[]>,
  visible: (row: T) => boolean,
  offset: number,
  limit: number,
): Promise<{ page: T[]; next: number | null }> {
  const page: T[] = [];
  const batch = Math.min(Math.max(limit + 1, 100), 10_000);
  let at = offset;
  for (;;) {
    const rows = await fetch(at, batch);
    for (let i = 0; i < rows.length; i++) {
      if (!visible(rows[i])) continue;
      if (page.length === limit) return { page, next: at + i };
      page.push(rows[i]);
    }
    if (rows.length < batch) return { page, next: null };
    at += rows.length;
  }
}
