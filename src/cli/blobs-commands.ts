// stagecraft blobs verify [--repair-from DIR...]: the server hashes every stored blob and reports
// the bad ones with the versions they affect (marking those failed); this command then looks for
// verified copies under the given directories — a standalone replica's cache (its --cache-dir), a
// copy of a data directory's blobs, or the original artifacts — and uploads them, which repairs
// the blob on the server (audited) and gives the versions their health back.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { BlobsReport } from '../../sdk/types.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-errors.js';
import { addExamples } from './help-examples.js';

/** Walk limits: these are cache and artifact directories, not whole file systems. */
const MAX_FILES = 200_000;
const MAX_DEPTH = 16;

type Bad = BlobsReport['bad'][number];

interface Repair {
  sha256: string;
  from: string;
}

export function blobsCommands(program: Command, ctx: CliContext): void {
  const blobs = program.command('blobs').description('stored artifact bytes: check and repair them (admin)');
  blobs
    .command('verify')
    .description('hash every stored blob; report bad ones with the versions they affect (marked failed, never a rollback destination) and repair them from verified copies')
    .option('--repair-from <dir...>', "directories holding verified copies: a replica's --cache-dir, a copy of a data dir's blobs/, or the original artifact files")
    .action(async (o: { repairFrom?: string[] }) => {
      const client = ctx.client();
      const report = await client.blobs.verify();
      const repairs: Repair[] = [];
      const failures: string[] = [];
      if (report.bad.length > 0 && o.repairFrom?.length) {
        const copies = await findCopies(o.repairFrom, report.bad);
        for (const [sha256, from] of copies) {
          try {
            // The server hashes the upload again and refuses bytes that are not these.
            await client.blobs.upload(Readable.toWeb(fs.createReadStream(from)) as unknown as BodyInit, { sha256 });
            repairs.push({ sha256, from });
          } catch (err) {
            failures.push(`${sha256.slice(0, 16)} from ${from}: ${(err as Error).message}`);
          }
        }
      }
      const confirmed = repairs.length ? await client.blobs.verify(repairs.map((r) => r.sha256)) : null;
      const repaired = new Set(repairs.filter((r) => !confirmed?.bad.some((b) => b.sha256 === r.sha256)).map((r) => r.sha256));
      const remaining = report.bad.filter((b) => !repaired.has(b.sha256));
      // The upload that repaired a blob gave its versions their health back; say which are whole now.
      const restored = [...report.restored, ...(confirmed?.restored ?? []), ...(await healthy(ctx, report, repaired))];
      const out = ctx.out();
      out.result({ ...report, restored, repaired: repairs.filter((r) => repaired.has(r.sha256)), remaining: remaining.map((b) => b.sha256) }, () => {
        out.line(`checked ${report.checked} blob(s): ${report.ok} intact, ${report.bad.length} bad${repaired.size ? `, ${repaired.size} repaired` : ''}`);
        if (report.bad.length) {
          out.table(report.bad, [
            { header: 'BLOB', value: (b) => b.sha256.slice(0, 16) },
            { header: 'STATE', value: (b) => (repaired.has(b.sha256) ? `${b.state}, repaired` : b.state) },
            { header: 'VERSIONS', value: (b) => affected(b) },
            { header: 'COPY', value: (b) => repairs.find((r) => r.sha256 === b.sha256)?.from ?? '-' },
          ]);
        }
        if (report.marked.length) out.note(`marked failed (bad bytes): ${names(report.marked)}`);
        if (restored.length) out.note(`health restored (bytes intact again): ${names(restored)}`);
        for (const f of failures) out.note(`could not repair ${f}`);
        if (remaining.length) {
          out.note(
            o.repairFrom?.length
              ? `${remaining.length} blob(s) still bad: no verified copy under ${o.repairFrom.join(', ')}`
              : `${remaining.length} blob(s) bad: pass --repair-from DIR (a replica's cache dir, the original artifacts) or upload the files again`,
          );
        }
      });
      if (remaining.length) ctx.exitCode = EXIT.refused;
    });
  addExamples(program);
}

/** The versions marked failed for bad bytes that the repairs made whole again (the upload restores them). */
async function healthy(ctx: CliContext, report: BlobsReport, repaired: Set<string>): Promise<Array<{ model: string; version: number }>> {
  const out: Array<{ model: string; version: number }> = [];
  const wasMarked = (v: { model: string; version: number; health: string }) =>
    v.health === 'failed' || report.marked.some((m) => m.model === v.model && m.version === v.version);
  for (const v of report.bad.filter((b) => repaired.has(b.sha256)).flatMap((b) => b.versions)) {
    if (!wasMarked(v) || out.some((o) => o.model === v.model && o.version === v.version)) continue;
    const now = await ctx.client().versions.get(v.model, v.version);
    if (now.health !== 'failed') out.push({ model: v.model, version: v.version });
  }
  return out;
}

const names = (vs: Array<{ model: string; version: number }>) => vs.map((v) => `${v.model} v${v.version}`).join(', ');

function affected(b: Bad): string {
  if (b.versions.length === 0) return '(no version)';
  return b.versions.map((v) => `${v.model} v${v.version} ${v.path}`).join('; ');
}

/** Verified local copies of the bad blobs: files named by their digest, or of the size the manifest recorded, that hash right. */
async function findCopies(dirs: string[], bad: Bad[]): Promise<Map<string, string>> {
  const wanted = new Set(bad.map((b) => b.sha256));
  const sizes = new Set(bad.map((b) => b.expected_size).filter((s): s is number => s !== null));
  const found = new Map<string, string>();
  let seen = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || found.size === wanted.size) return;
    const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (found.size === wanted.size || ++seen > MAX_FILES) return;
      const abs = path.join(dir, e.name);
      // Links are not followed: a copy must be a real file here.
      if (e.isDirectory()) await visit(abs, depth + 1);
      else if (e.isFile()) {
        const named = wanted.has(e.name) && !found.has(e.name);
        if (!named && !sizes.has((await fs.promises.stat(abs)).size)) continue;
        const sha = await sha256Of(abs);
        if (wanted.has(sha) && !found.has(sha)) found.set(sha, abs);
      }
    }
  };
  for (const d of dirs) await visit(path.resolve(d), 0);
  return found;
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
