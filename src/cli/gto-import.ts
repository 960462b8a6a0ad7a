// `stagecraft gto import`: a git repository's GTO tags for one artifact, replayed in tag order
// (tagger date, then counter) into a Stagecraft model archive — the same format `stagecraft export`
// writes — which the server then imports through its one import endpoint, with its one set of
// rules (every blob verified, one transaction, idempotent). Each event keeps the tagger as actor,
// the tagger date as time and the tag message as reason; origin keys are built from the
// repository's root commit and the tag name, so importing again adds only tags that are new.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type ArchiveEvent, type ArchiveVersion, type ModelArchive } from '../registry/index.js';
import { annotatedTags, filesAt, git, gitText, type AnnotatedTag } from './gto-git.js';
import { actorOf, mapStage, parseGtoTag, type GtoAction, type StageTarget } from './gto-tags.js';

export interface GtoBlob {
  object: string;
  size: number;
}

export interface GtoPlan {
  archive: ModelArchive;
  /** sha256 -> the git object holding those bytes. */
  blobs: Map<string, GtoBlob>;
  notes: string[];
}

interface Tagged {
  tag: AnnotatedTag;
  action: GtoAction;
}

/** The GTO artifacts the repository's tags name, in name order. */
export async function gtoArtifacts(repo: string): Promise<string[]> {
  const names = new Set<string>();
  for (const t of await annotatedTags(repo)) {
    const a = parseGtoTag(t.name);
    if (a) names.add(a.artifact);
  }
  return [...names].sort();
}

/** What names the repository wherever it is cloned: its first root commit. */
async function repoIdentity(repo: string): Promise<string> {
  const roots = (await gitText(repo, ['rev-list', '--max-parents=0', '--all'])).split('\n').filter(Boolean).sort();
  return roots[0] ?? 'empty';
}

/** The artifact's entry in artifacts.yaml at a commit: its path, or null (virtual, absent, or no file). */
async function artifactPath(repo: string, commit: string, artifact: string, notes: string[]): Promise<string | null> {
  const text = await git(repo, ['show', `${commit}:artifacts.yaml`], { allowFail: true });
  if (!text) return null;
  let doc: unknown;
  try {
    doc = YAML.parse(text.toString('utf8'));
  } catch (err) {
    notes.push(`artifacts.yaml at ${commit.slice(0, 12)} is not YAML (${(err as Error).message}); version registered without files`);
    return null;
  }
  const entry = (doc as Record<string, { path?: unknown; virtual?: unknown } | null> | null)?.[artifact];
  if (!entry || entry.virtual === true || typeof entry.path !== 'string') return null;
  return entry.path.replace(/^\.\//, '').replace(/\/$/, '');
}

/** The sha256 of a git object's bytes, streamed (a large model file is never held in memory). */
async function sha256Of(repo: string, object: string): Promise<string> {
  const hash = createHash('sha256');
  const child = spawn('git', ['-C', repo, 'cat-file', 'blob', object], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for await (const chunk of child.stdout) hash.update(chunk as Buffer);
  if ((await exited) !== 0) throw new Error(`git cat-file blob ${object} failed in ${repo}`);
  return hash.digest('hex');
}

export async function planGtoImport(repo: string, artifact: string, stages: Map<string, StageTarget>, who: { actor: string; now: number }): Promise<GtoPlan> {
  const root = await repoIdentity(repo);
  const key = (s: string) => `gto:${root}:${s}`;
  const notes: string[] = [];
  const blobs = new Map<string, GtoBlob>();
  const tagged: Tagged[] = (await annotatedTags(repo))
    .map((tag) => ({ tag, action: parseGtoTag(tag.name) }))
    .filter((t): t is Tagged => t.action?.artifact === artifact)
    .sort((a, b) => a.tag.date - b.tag.date || (a.action.counter ?? 0) - (b.action.counter ?? 0) || a.tag.name.localeCompare(b.tag.name));
  if (tagged.length === 0) throw new Error(`no GTO tags for artifact "${artifact}"`);

  const versions = new Map<string, ArchiveVersion & { commit: string; live: boolean }>();
  const events: ArchiveEvent[] = [];
  const holders = new Map<string, string>();
  const aliases = new Map<string, string>();
  const first = tagged[0].tag;
  const ev = (t: AnnotatedTag, e: Omit<ArchiveEvent, 'origin' | 'time' | 'actor' | 'details'> & { details?: Record<string, unknown> }, origin = key(`tag:${t.name}`)) =>
    events.push({ origin, time: t.date * 1000, actor: actorOf(t.tagger, t.email), ...e, details: { gto_tag: t.name, commit: t.commit, ...e.details } });
  ev(first, { type: 'model.created', version: null, target: null, from: null, to: null, reason: null }, key(`${artifact}@created`));

  const register = async (t: AnnotatedTag, name: string, label: string): Promise<ArchiveVersion & { commit: string; live: boolean }> => {
    const files: ArchiveVersion['files'] = [];
    const at = await artifactPath(repo, t.commit, artifact, notes);
    if (at !== null) {
      const found = await filesAt(repo, t.commit, at);
      if (found.length === 0) notes.push(`${name}: artifacts.yaml names "${at}" but the commit ${t.commit.slice(0, 12)} has no file there (DVC-tracked?); registered without files`);
      for (const f of found) {
        const sha256 = await sha256Of(repo, f.object);
        blobs.set(sha256, { object: f.object, size: f.size });
        // A file artifact is the file itself; a directory's files keep their paths inside it.
        const rel = f.path === at ? f.path.split('/').pop()! : f.path.slice(at.length + 1);
        files.push({ path: rel, size: f.size, sha256 });
      }
    }
    const number = versions.size + 1;
    const v = {
      origin: key(`${artifact}@${name}`), version: number, label, description: '', source: `git:${t.commit}`, run_id: null, params: {}, metrics: {},
      dataset_digest: null, code_ref: t.commit, signature: null, status: 'READY', status_message: null, stage: 'None', health: 'unknown', health_reason: null,
      runtime: null, endpoint_url: null, python: null, created_by: actorOf(t.tagger, t.email), created_at: t.date * 1000, updated_at: t.date * 1000, tags: { 'gto.version': name },
      files, commit: t.commit, live: true,
    };
    versions.set(name, v);
    ev(t, { type: 'version.created', version: number, target: null, from: null, to: null, reason: t.message || null, details: { label, files: files.length } });
    return v;
  };

  for (const { tag: t, action: a } of tagged) {
    if (a.kind === 'mark') {
      notes.push(`${t.name}: @${a.mark} is not mapped`);
      continue;
    }
    if (a.kind === 'register') {
      const v = versions.get(a.version);
      if (!a.cancel) {
        if (v) notes.push(`${t.name}: ${a.version} is registered twice; the first one counts`);
        else await register(t, a.version, a.version);
        continue;
      }
      if (!v?.live) continue;
      v.live = false;
      for (const [alias, holder] of aliases) {
        if (holder !== a.version) continue;
        aliases.delete(alias);
        ev(t, { type: 'alias.deleted', version: v.version, target: `alias:${alias}`, from: String(v.version), to: null, reason: 'version deleted' });
      }
      for (const [stage, holder] of holders) if (holder === a.version) holders.delete(stage);
      ev(t, { type: 'version.deleted', version: v.version, target: null, from: null, to: null, reason: t.message || null, details: { stage: v.stage } });
      continue;
    }
    // An assignment names its version by commit (GTO's rule); the message's "version vX" breaks ties.
    const named = /version (v\S+)/.exec(t.message)?.[1];
    const onCommit = [...versions.entries()].filter(([, v]) => v.live && v.commit === t.commit);
    let entry = onCommit.find(([n]) => n === named) ?? onCommit.at(-1);
    if (!entry) {
      if (a.cancel) continue;
      // GTO counts a stage on an unregistered commit as a version named by the commit.
      const v = await register(t, t.commit, `commit-${t.commit.slice(0, 12)}`);
      entry = [t.commit, v];
    }
    const [vname, v] = entry;
    const target = mapStage(stages, a.stage);
    const reason = t.message || null;
    if (target.kind === 'alias') {
      const before = aliases.get(target.name);
      if (!a.cancel && before !== vname) {
        aliases.set(target.name, vname);
        ev(t, { type: 'alias.set', version: v.version, target: `alias:${target.name}`, from: before ? String(versions.get(before)!.version) : null, to: String(v.version), reason, details: { gto_stage: a.stage } });
      } else if (a.cancel && before === vname) {
        aliases.delete(target.name);
        ev(t, { type: 'alias.deleted', version: v.version, target: `alias:${target.name}`, from: String(v.version), to: null, reason, details: { gto_stage: a.stage } });
      }
      continue;
    }
    const stage = target.name;
    if (a.cancel) {
      if (v.stage !== stage) continue;
      v.stage = 'None';
      holders.delete(stage);
      ev(t, { type: 'version.stage_changed', version: v.version, target: `stage:${stage}`, from: stage, to: 'None', reason, details: { gto_stage: a.stage } });
      continue;
    }
    if (v.stage === stage) continue;
    ev(t, { type: 'version.stage_changed', version: v.version, target: `stage:${stage}`, from: v.stage, to: stage, reason, details: { cause: 'transition', gto_stage: a.stage } });
    if (holders.get(v.stage) === vname) holders.delete(v.stage);
    v.stage = stage;
    // GTO shows one version per stage: the one assigned before leaves it, as archive_existing does here.
    const before = holders.get(stage);
    holders.set(stage, vname);
    if (before && before !== vname) {
      const prev = versions.get(before)!;
      prev.stage = 'Archived';
      ev(t, { type: 'version.stage_changed', version: prev.version, target: 'stage:Archived', from: stage, to: 'Archived', reason, details: { cause: 'archive_existing', replaced_by: v.version } }, key(`tag:${t.name}:archived`));
    }
  }

  const live = [...versions.values()].filter((v) => v.live);
  const last = tagged.at(-1)!.tag;
  const archive: ModelArchive = {
    format: ARCHIVE_FORMAT,
    format_version: ARCHIVE_FORMAT_VERSION,
    exported_at: who.now,
    exported_by: who.actor,
    producer: 'stagecraft gto import',
    model: {
      origin: key(artifact),
      name: artifact,
      description: '',
      protected: false,
      created_by: actorOf(first.tagger, first.email),
      created_at: first.date * 1000,
      last_version: versions.size,
      tags: { 'gto.repository': root },
    },
    versions: live.map(({ commit: _c, live: _l, ...v }) => ({ ...v, updated_at: Math.max(v.created_at, last.date * 1000) })),
    aliases: [...aliases].map(([alias, vname]) => ({ alias, version: versions.get(vname)!.version, updated_at: last.date * 1000 })),
    events,
    settings: {},
  };
  return { archive, blobs, notes };
}
