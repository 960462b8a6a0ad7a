// GTO's git-tag grammar (iterative/gto, the registry DVC users keep in git) and how its stages map
// onto Stagecraft's. Pure: no git here.
//   name@v1.2.3        registers version v1.2.3 of artifact `name` on the tagged commit
//   name@v1.2.3!       deregisters it
//   name#stage#N       assigns `stage` to the version registered on the tagged commit (N: a counter)
//   name#stage!#N      unassigns it
//   name@deprecated#N, name@created#N   whole-artifact marks (read, not mapped)
// Stages: prod/production -> Production, staging/stage -> Staging; --stage-map adds or overrides
// (`dev=Staging`, `qa=alias:qa`); any other stage becomes an alias of the same name, since
// Stagecraft's stages are a fixed set and an alias is its named pointer to one version.
import { CliError, EXIT } from './cli-errors.js';

const NAME = '[a-z0-9](?:[a-z0-9-/]*[a-z0-9])?';
const SEMVER = '(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?';
const TAG_RE = new RegExp(`^(?<artifact>(?:[a-z0-9-_./]+=)?${NAME})(?:(?:#(?<stage>${NAME})|@(?<version>v${SEMVER}))(?<cancel>!?)|@(?<mark>deprecated|created))(?:#(?<counter>[0-9]+))?$`);
export const GTO_NAME_RE = new RegExp(`^${NAME}$`);

export type GtoAction =
  | { kind: 'register'; artifact: string; version: string; cancel: boolean; counter: number | null }
  | { kind: 'assign'; artifact: string; stage: string; cancel: boolean; counter: number | null }
  | { kind: 'mark'; artifact: string; mark: string; counter: number | null };

/** The GTO action a tag name encodes, or null for a tag that is not GTO's. */
export function parseGtoTag(tag: string): GtoAction | null {
  const m = TAG_RE.exec(tag);
  if (!m?.groups) return null;
  const g = m.groups;
  const counter = g.counter === undefined ? null : Number(g.counter);
  if (g.version) return { kind: 'register', artifact: g.artifact, version: g.version, cancel: g.cancel === '!', counter };
  if (g.stage) return { kind: 'assign', artifact: g.artifact, stage: g.stage, cancel: g.cancel === '!', counter };
  return { kind: 'mark', artifact: g.artifact, mark: g.mark, counter };
}

/** Where a GTO stage lands: a Stagecraft stage, or an alias. */
export type StageTarget = { kind: 'stage'; name: 'Production' | 'Staging' } | { kind: 'alias'; name: string };

const DEFAULT_STAGES: Record<string, StageTarget> = {
  prod: { kind: 'stage', name: 'Production' },
  production: { kind: 'stage', name: 'Production' },
  staging: { kind: 'stage', name: 'Staging' },
  stage: { kind: 'stage', name: 'Staging' },
};

/** `--stage-map dev=Staging,qa=alias:qa` (repeatable) into a lookup over the defaults. */
export function stageMap(pairs: string[] = []): Map<string, StageTarget> {
  const map = new Map(Object.entries(DEFAULT_STAGES));
  for (const pair of pairs.flatMap((p) => p.split(','))) {
    const [gto, to] = pair.split('=');
    if (!gto || !to) throw new CliError(`--stage-map "${pair}": use GTO_STAGE=Production, =Staging or =alias:NAME`, EXIT.usage);
    const stage = to.toLowerCase();
    if (stage === 'production' || stage === 'staging') map.set(gto, { kind: 'stage', name: stage === 'production' ? 'Production' : 'Staging' });
    else if (to.startsWith('alias:') && to.length > 6) map.set(gto, { kind: 'alias', name: to.slice(6) });
    else throw new CliError(`--stage-map "${pair}": the target must be Production, Staging or alias:NAME`, EXIT.usage);
  }
  return map;
}

export function mapStage(map: Map<string, StageTarget>, gtoStage: string): StageTarget {
  return map.get(gtoStage) ?? { kind: 'alias', name: gtoStage.replace(/\//g, '-') };
}

/** The GTO stage a Stagecraft target is written as: the reverse of the map (first match), else its own name. */
export function gtoStageOf(map: Map<string, StageTarget>, target: StageTarget): string {
  for (const [gto, t] of map) if (t.kind === target.kind && t.name === target.name) return gto;
  return target.name;
}

/** A GTO version for a Stagecraft one: its label when it is already `vX.Y.Z`, else `v<number>.0.0`. */
export function gtoVersionOf(v: { version: number; label: string | null }): string {
  return v.label && new RegExp(`^v${SEMVER}$`).test(v.label) ? v.label : `v${v.version}.0.0`;
}

/** The tagger of an actor: `Name <email>` splits; a bare name has an empty email. */
export function taggerOf(actor: string): { name: string; email: string } {
  const m = /^(.*\S)\s*<([^>]*)>$/.exec(actor);
  return m ? { name: m[1], email: m[2] } : { name: actor || 'stagecraft', email: '' };
}

/** The actor of a tagger: the inverse of taggerOf. */
export const actorOf = (name: string, email: string) => (email ? `${name} <${email}>` : name);
