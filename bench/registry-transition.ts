// npm run bench:registry -- --part transition: where a native stage transition spends its time
// (issue 18.4's "transition <= 2 ms p50, p99 <= 5 ms"). In-process (app.inject: no socket, no client
// in the figures) on SQLite and, with STAGECRAFT_TEST_PG_URL, PostgreSQL; the kernel alone as the
// rest of bench:registry measures it, or with --extensions all those `stagecraft server` runs (the
// versions are then small ONNX models so the validation gate passes; Staging is served by no replica). Reports wall p50/p99, the server's CPU per transition
// (process.cpuUsage: wall follows the shared machine's load, CPU much less), and per query the
// time from Kysely handing it to the driver to the rows coming back (a plugin), plus BEGIN/COMMIT.
// A GET of the same version is measured in the same rounds as the floor of a request.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import os from 'node:os';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { benchDeps, flag } from './harness.js';

const N = Number(flag('transition-iterations', '400'));
const PG_ADMIN = flag('pg-url', process.env.STAGECRAFT_TEST_PG_URL ?? '');
const ALL = flag('extensions', 'none') === 'all';

/**
 * Time per query kind (select/insert/update/delete + first table), keyed by Kysely's queryId. Prepared
 * queries (db/prepared-query.ts: the model and version reads) skip transformQuery, so they are not timed.
 */
class QueryTimer implements KyselyPlugin {
  readonly started = new WeakMap<object, { t: number; key: string }>();
  readonly totals = new Map<string, { n: number; ms: number }>();
  on = false;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.on) this.started.set(args.queryId, { t: performance.now(), key: describe(args.node) });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.started.get(args.queryId);
    if (s) {
      const tot = this.totals.get(s.key) ?? { n: 0, ms: 0 };
      tot.n++;
      tot.ms += performance.now() - s.t;
      this.totals.set(s.key, tot);
    }
    return args.result;
  }
}

function describe(node: RootOperationNode): string {
  const n = node as unknown as { kind: string; from?: { froms: Array<{ table?: { identifier?: { name: string } } }> }; into?: { table: { identifier: { name: string } } }; table?: { table?: { identifier?: { name: string } } } };
  const table = n.from?.froms?.[0]?.table?.identifier?.name ?? n.into?.table.identifier.name ?? n.table?.table?.identifier?.name ?? '?';
  return `${n.kind.replace('QueryNode', '').toLowerCase()} ${table}`;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function run(kind: 'sqlite' | 'postgres'): Promise<void> {
  const base = await benchDeps(kind, PG_ADMIN);
  const timer = new QueryTimer();
  const deps = { ...base, db: base.db.withPlugin(timer) };
  const { app } = await buildServer(deps, ALL ? serverExtensions().all() : []);
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  };
  await call('POST', '/api/v1/models', { name: 'bench' });
  for (let v = 1; v <= 2; v++) {
    const blob = (await app.inject({ method: 'POST', url: '/api/v1/blobs', payload: denseModelOnnx({ weights: [0.1 * v, -0.2], bias: 0, activation: 'sigmoid' }), headers: { 'content-type': 'application/octet-stream' } })).json<{ sha256: string }>();
    await call('POST', '/api/v1/models/bench/versions', { files: [{ path: 'model.onnx', sha256: blob.sha256 }] });
  }
  const move = (i: number) => call('POST', `/api/v1/models/bench/versions/${(i % 2) + 1}/stage`, { stage: 'Staging', archive_existing_versions: true });
  const read = (i: number) => call('GET', `/api/v1/models/bench/versions/${(i % 2) + 1}`);
  for (let i = 0; i < 50; i++) await move(i); // warm: statement cache, JIT

  const wall: number[] = [];
  const readWall: number[] = [];
  let moveCpu = 0;
  let readCpu = 0;
  // SQLite's WAL checkpointer thread starts a second after open (src/db/sqlite-checkpointer.ts).
  await new Promise((r) => setTimeout(r, 1200));
  timer.on = true;
  const load0 = os.loadavg()[0];
  for (let i = 0; i < N; i++) {
    let c = process.cpuUsage();
    let t = performance.now();
    await move(i);
    wall.push(performance.now() - t);
    c = process.cpuUsage(c);
    moveCpu += c.user + c.system;
    timer.on = false;
    c = process.cpuUsage();
    t = performance.now();
    await read(i);
    readWall.push(performance.now() - t);
    c = process.cpuUsage(c);
    readCpu += c.user + c.system;
    timer.on = true;
  }
  timer.on = false;
  console.log(`\n${kind}${ALL ? ', every extension' : ', kernel only'}: ${N} transitions (Staging, archive existing; versions 1 and 2 alternate), in-process; load average ${load0.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}`);
  console.log(`  transition: p50 ${pct(wall, 0.5).toFixed(3)} ms, p99 ${pct(wall, 0.99).toFixed(3)} ms wall; CPU ${(moveCpu / N / 1000).toFixed(3)} ms per transition`);
  console.log(`  get version (floor of a request): p50 ${pct(readWall, 0.5).toFixed(3)} ms wall; CPU ${(readCpu / N / 1000).toFixed(3)} ms`);
  console.log('  queries per transition (driver time, mean; prepared queries not timed):');
  let total = 0;
  for (const [k, v] of [...timer.totals].sort((a, b) => b[1].ms - a[1].ms)) {
    total += v.ms;
    console.log(`    ${k.padEnd(28)} ${(v.n / N).toFixed(2)}×  ${((v.ms / N) * 1000).toFixed(0).padStart(5)} µs`);
  }
  console.log(`    all queries                  ${((total / N) * 1000).toFixed(0).padStart(11)} µs`);
  await app.close();
  await deps.close();
}

export async function benchTransitions(): Promise<void> {
  await run('sqlite');
  if (PG_ADMIN) await run('postgres');
}
