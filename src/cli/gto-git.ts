// The real `git`, through child_process (no git library): what GTO interop reads and writes.
// Arguments are passed as an array (never through a shell), so tag names and paths are never
// interpreted; a failing git is a CliError quoting git's own words.
import { spawn } from 'node:child_process';
import { CliError, EXIT } from './cli-errors.js';

export interface GitOptions {
  env?: Record<string, string>;
  /** Answer null instead of failing when git exits non-zero (e.g. a file absent at a commit). */
  allowFail?: boolean;
}

export function git(repo: string, args: string[], opts: GitOptions = {}): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new CliError(`cannot run git: ${e.message}`, EXIT.usage)));
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out));
      if (opts.allowFail) return resolve(null);
      reject(new CliError(`git ${args[0]} failed in ${repo}: ${Buffer.concat(err).toString().trim()}`, EXIT.refused));
    });
  });
}

export async function gitText(repo: string, args: string[], opts: GitOptions = {}): Promise<string> {
  return ((await git(repo, args, opts)) ?? Buffer.alloc(0)).toString('utf8');
}

/** An annotated tag as GTO reads it. Lightweight tags carry no tagger and are not GTO's. */
export interface AnnotatedTag {
  name: string;
  /** The commit it points at (peeled). */
  commit: string;
  tagger: string;
  email: string;
  /** Seconds since the epoch. */
  date: number;
  message: string;
}

const FS = '\x1f';
const RS = '\x1e';

export async function annotatedTags(repo: string): Promise<AnnotatedTag[]> {
  const format = ['%(refname:strip=2)', '%(objecttype)', '%(*objectname)', '%(taggername)', '%(taggeremail:trim)', '%(taggerdate:unix)', '%(contents)'].join('%1f') + '%1e';
  const text = await gitText(repo, ['for-each-ref', 'refs/tags', `--format=${format}`]);
  const tags: AnnotatedTag[] = [];
  for (const record of text.split(RS)) {
    const [name, type, commit, tagger, email, date, message] = record.replace(/^\n/, '').split(FS);
    if (!name || type !== 'tag' || !commit) continue;
    tags.push({ name, commit, tagger, email: email.replace(/^<|>$/g, ''), date: Number(date), message: (message ?? '').trimEnd() });
  }
  return tags;
}

/** The regular files under `path` at `commit` (a file or a directory), with git's object ids and sizes. */
export async function filesAt(repo: string, commit: string, path: string): Promise<Array<{ path: string; object: string; size: number }>> {
  const text = await gitText(repo, ['ls-tree', '-r', '-z', '--long', commit, '--', path]);
  const files: Array<{ path: string; object: string; size: number }> = [];
  for (const line of text.split('\0')) {
    const m = /^(\d+) blob ([0-9a-f]+)\s+(\d+)\t(.*)$/s.exec(line);
    // Symlinks (mode 120000) and submodules are not bytes of the artifact.
    if (m && m[1] !== '120000') files.push({ path: m[4], object: m[2], size: Number(m[3]) });
  }
  return files;
}
