// `stagecraft gto export`: a model's versions and stage moves written as GTO tags in a git
// repository, so GTO (and DVC Studio) read the same registry. Each version gets its own commit —
// the tree of --rev, with --rev as parent, made by `git commit-tree` with the version's creator and
// time, so the same version always makes the same commit — because GTO finds a stage's version by
// the commit its tag points at. Tags are annotated, tagger = the event's actor, date = its time
// (GIT_COMMITTER_DATE), message = its reason (else GTO's own wording). Stage tags are numbered by
// their place in the model's history, so a second export finds every tag present and writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ArchiveVersion, ModelArchive } from '../registry/index.js';
import { CliError, EXIT } from './cli-errors.js';
import { git, gitText } from './gto-git.js';
import { GTO_NAME_RE, gtoStageOf, gtoVersionOf, taggerOf, type StageTarget } from './gto-tags.js';

export interface GtoExportResult {
  created: string[];
  existing: string[];
  artifacts_yaml: 'added' | 'present';
}

const envOf = (actor: string, ms: number, role: 'COMMITTER' | 'AUTHOR' = 'COMMITTER') => {
  const t = taggerOf(actor);
  return { [`GIT_${role}_NAME`]: t.name, [`GIT_${role}_EMAIL`]: t.email, [`GIT_${role}_DATE`]: `@${Math.floor(ms / 1000)} +0000` };
};

/** Adds the artifact to artifacts.yaml (virtual: its bytes live in Stagecraft) and commits it; false when present. */
async function ensureArtifactEntry(repo: string, name: string, description: string): Promise<boolean> {
  const file = path.join(repo, 'artifacts.yaml');
  const doc = (fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, 'utf8')) : null) as Record<string, unknown> | null;
  if (doc && name in doc) return false;
  const entry: Record<string, unknown> = { type: 'model', path: name, virtual: true };
  if (description) entry.description = description;
  fs.writeFileSync(file, YAML.stringify({ ...(doc ?? {}), [name]: entry }));
  await git(repo, ['add', 'artifacts.yaml']);
  await git(repo, ['commit', '-q', '-m', `Register artifact ${name} (stagecraft gto export)`], { env: { ...envOf('stagecraft', Date.now()), ...envOf('stagecraft', Date.now(), 'AUTHOR') } });
  return true;
}

export async function exportToGto(repo: string, a: ModelArchive, stages: Map<string, StageTarget>, rev?: string): Promise<GtoExportResult> {
  const name = a.model.name;
  if (!GTO_NAME_RE.test(name)) throw new CliError(`model "${name}" is not a GTO artifact name (lowercase letters, digits, "-" and "/", starting and ending with a letter or digit)`, EXIT.usage);
  const added = await ensureArtifactEntry(repo, name, a.model.description);
  const base = (await gitText(repo, ['rev-parse', '--verify', `${rev ?? 'HEAD'}^{commit}`])).trim();
  const tree = (await gitText(repo, ['rev-parse', `${base}^{tree}`])).trim();
  const tags = new Set((await gitText(repo, ['tag', '-l'])).split('\n').filter(Boolean));
  const created: string[] = [];
  const existing: string[] = [];
  const tag = async (tagName: string, commit: string, message: string, actor: string, ms: number) => {
    if (tags.has(tagName)) return void existing.push(tagName);
    await git(repo, ['tag', '-a', tagName, '-m', message, commit], { env: envOf(actor, ms) });
    tags.add(tagName);
    created.push(tagName);
  };

  const commits = new Map<number, { commit: string; gv: string; v: ArchiveVersion }>();
  const createdEvent = (version: number) => a.events.find((e) => e.type === 'version.created' && e.version === version);
  for (const v of [...a.versions].sort((x, y) => x.version - y.version)) {
    const gv = gtoVersionOf(v);
    const tagName = `${name}@${gv}`;
    let commit: string;
    if (tags.has(tagName)) commit = (await gitText(repo, ['rev-parse', `${tagName}^{commit}`])).trim();
    else {
      const env = { ...envOf(v.created_by, v.created_at), ...envOf(v.created_by, v.created_at, 'AUTHOR') };
      commit = (await gitText(repo, ['commit-tree', tree, '-p', base, '-m', `${name} ${gv} (Stagecraft version ${v.version})`], { env })).trim();
    }
    commits.set(v.version, { commit, gv, v });
    const e = createdEvent(v.version);
    await tag(tagName, commit, e?.reason || `Registering artifact ${name} version ${gv}`, e?.actor ?? v.created_by, e?.time ?? v.created_at);
  }

  let counter = 0;
  for (const e of a.events) {
    const move = stageMove(e, stages);
    if (!move || e.version === null) continue;
    counter += 1;
    const at = commits.get(e.version);
    // A version deleted on the registry is not in the archive: its moves have nowhere to point.
    if (!at) continue;
    if (typeof e.details.gto_tag === 'string' && tags.has(e.details.gto_tag)) {
      existing.push(e.details.gto_tag);
      continue;
    }
    const tagName = `${name}#${move.stage}${move.cancel ? '!' : ''}#${counter}`;
    const verb = move.cancel ? `Unassigning stage ${move.stage} from` : `Assigning stage ${move.stage} to`;
    await tag(tagName, at.commit, e.reason || `${verb} artifact ${name} version ${at.gv}`, e.actor, e.time);
  }
  return { created, existing, artifacts_yaml: added ? 'added' : 'present' };
}

/** The GTO stage an event assigns or unassigns, or null for events GTO has no tag for. */
function stageMove(e: ModelArchive['events'][number], stages: Map<string, StageTarget>): { stage: string; cancel: boolean } | null {
  const serving = (s: string | null): s is 'Production' | 'Staging' => s === 'Production' || s === 'Staging';
  if (e.type === 'version.stage_changed') {
    // Versions archived because another took their stage: GTO's one-version-per-stage says it already.
    if (e.details.replaced_by !== undefined) return null;
    if (serving(e.to)) return { stage: gtoStageOf(stages, { kind: 'stage', name: e.to }), cancel: false };
    if (serving(e.from)) return { stage: gtoStageOf(stages, { kind: 'stage', name: e.from }), cancel: true };
    return null;
  }
  if ((e.type === 'alias.set' || e.type === 'alias.deleted') && e.target?.startsWith('alias:')) {
    const stage = gtoStageOf(stages, { kind: 'alias', name: e.target.slice(6) });
    if (!GTO_NAME_RE.test(stage)) return null;
    return { stage, cancel: e.type === 'alias.deleted' };
  }
  return null;
}
