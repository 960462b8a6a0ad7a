// npm run bench:grants — what access control costs on the request path, in one run: registry reads
// (get model, the models list filtered per model) and inference (POST /v2/models/{m}/infer on a
// small ONNX model) against six callers on four servers (SQLite, serving extension, the same
// models): an open server (no tokens: the "none" of the issue); a Stagecraft token on a closed
// server without SSO or grants; a Stagecraft token and a person's OIDC JWT access token (from a
// real OpenID Provider) on a server with one grant (the person's group) and on one with 1,000.
// Each server runs in its own process, as in production: servers sharing one process share its
// JIT-compiled code, so one server's shapes would slow another's inline caches. Sequential latency
// is interleaved in rounds of 25 over keep-alive; throughput is autocannon in its own process,
// interleaved in rounds of --duration s, and each pairing's req/s ratio is the median of its
// per-round ratios: callers measured back to back share the machine's mood. Two identical server
// processes differ by several per cent for as long as they live, so all of it runs --sets times
// with fresh processes; each set's median ratio is printed beside the overall one.
// Flags: --sets N (3), --iterations N (1000 per set), --grants N (1000), --duration S (2), --rounds N (3 per set),
// --connections N (8), --throughput no (latency only). Quote medians and ratios with the load average.
import { spawn } from 'node:child_process';
import os from 'node:os';
import http from 'node:http';
import readline from 'node:readline';
import { startTestProvider } from '../test/helpers/oidc-provider.js';
import { flag } from './harness.js';
import { fmt, measureInterleaved, type Stats } from './http-client.js';
import { benchServer, headeredCannon, INFER_BODY, modelName, PERSON, SERVED, type BenchServer } from './grants-setup.js';

const N = Number(flag('iterations', '1000'));
const GRANTS = Number(flag('grants', '1000'));
const DURATION = Number(flag('duration', '2'));
const ROUNDS = Number(flag('rounds', '3'));
const SETS = Number(flag('sets', '3'));
const CONNECTIONS = Number(flag('connections', '8'));
const THROUGHPUT = flag('throughput', 'yes') !== 'no';
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

interface Caller {
  label: string;
  base: string;
  headers: Record<string, string>;
}

interface Op {
  name: string;
  method: 'GET' | 'POST';
  path: (i: number) => string;
  body?: string;
}

const ops: Op[] = [
  { name: 'get model', method: 'GET', path: (i) => `/api/v1/models/${modelName(Math.abs(i))}` },
  { name: 'models list (filtered)', method: 'GET', path: () => '/api/v1/models?limit=100' },
  { name: 'infer (ONNX, 1 row)', method: 'POST', path: () => `/v2/models/${SERVED}/infer`, body: INFER_BODY },
];

function send(c: Caller, op: Op, i: number): Promise<void> {
  const url = new URL(op.path(i), c.base);
  const body = op.body ? Buffer.from(op.body) : undefined;
  const headers = { ...c.headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: op.method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${c.label} ${op.method} ${url.pathname}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Requests per second of every caller in each round: rps[round][caller] (the callers interleaved in each round). */
async function throughput(callers: Caller[], op: Op): Promise<{ rps: number[][]; errors: number[] }> {
  const rps: number[][] = [];
  const errors = callers.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order each round, so neither end of a round is always the same caller.
    const order = r % 2 ? [...callers.keys()].reverse() : [...callers.keys()];
    const round: number[] = [];
    for (const k of order) {
      const c = callers[k]!;
      const res = await headeredCannon(new URL(op.path(0), c.base).toString(), { method: op.method, headers: { ...c.headers, ...(op.body ? { 'content-type': 'application/json' } : {}) }, body: op.body, duration: DURATION, connections: CONNECTIONS });
      round[k] = res.total / res.seconds;
      errors[k]! += res.errors;
    }
    rps.push(round);
  }
  return { rps, errors };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type ServerKind = 'open' | 'bare' | 'few' | 'many';

/** Child mode (`--serve KIND --issuer URL`): one server, its address on stdout, closed when stdin ends. */
async function serve(kind: ServerKind): Promise<void> {
  const issuer = flag('issuer', null);
  const idp = issuer && (kind === 'few' || kind === 'many') ? { issuer } : undefined;
  const s = await benchServer({ closed: kind !== 'open', idp, grants: kind === 'many' ? GRANTS : kind === 'few' ? 1 : 0 });
  process.stdout.write(`${JSON.stringify({ base: s.base, token: s.token })}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await s.close();
}

/** Starts one server in its own process (this script in child mode, under the same runtime flags). */
async function spawnServer(kind: ServerKind, issuer: string): Promise<BenchServer> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--serve', kind, '--issuer', issuer, '--grants', String(GRANTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code}) before it listened`)));
  });
  const { base, token } = JSON.parse(line) as { base: string; token?: string };
  const close = () => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
  return { base, token, close };
}

// [label, baseline caller, measured caller]
const PAIRS: Array<[string, number, number]> = [
  [`token: ${GRANTS} grants vs 1`, 2, 3],
  [`OIDC JWT: ${GRANTS} grants vs 1`, 4, 5],
  ['OIDC JWT vs token (1 grant)', 2, 4],
  ['token, no SSO vs open', 0, 1],
  ['token: SSO + 1 grant vs no SSO', 1, 2],
  [`token, ${GRANTS} grants vs open`, 0, 3],
  [`OIDC JWT, ${GRANTS} grants vs open`, 0, 5],
];

/** What one set of fresh server processes measured, per op: p50 and p99 per caller, req/s per round per caller. */
interface SetResult {
  stats: Stats[];
  rps: number[][];
  errors: number[];
}

/** One set: the four servers started afresh, every caller measured on every op. */
async function measureSet(idp: Awaited<ReturnType<typeof startTestProvider>>): Promise<SetResult[]> {
  const [open, bare, few, many] = await Promise.all((['open', 'bare', 'few', 'many'] as const).map((k) => spawnServer(k, idp.issuer)));
  try {
    // A JWT access token through the real code flow (its TTL is 10 min: a set takes less).
    const jwt = await idp.accessToken(PERSON.login);
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const callers: Caller[] = [
      { label: 'open (no tokens)', base: open!.base, headers: {} },
      { label: 'token, no SSO, 0 grants', base: bare!.base, headers: bearer(bare!.token!) },
      { label: 'token, 1 grant', base: few!.base, headers: bearer(few!.token!) },
      { label: `token, ${GRANTS} grants`, base: many!.base, headers: bearer(many!.token!) },
      { label: 'OIDC JWT, 1 grant', base: few!.base, headers: bearer(jwt) },
      { label: `OIDC JWT, ${GRANTS} grants`, base: many!.base, headers: bearer(jwt) },
    ];
    const out: SetResult[] = [];
    for (const op of ops) {
      const stats = await measureInterleaved(callers, (c, i) => send(c, op, i), N);
      const tp = THROUGHPUT ? await throughput(callers, op) : { rps: [], errors: callers.map(() => 0) };
      out.push({ stats, ...tp });
    }
    return out;
  } finally {
    for (const s of [open, bare, few, many]) await s!.close();
  }
}

const CALLER_LABELS = ['open (no tokens)', 'token, no SSO, 0 grants', 'token, 1 grant', `token, ${GRANTS} grants`, 'OIDC JWT, 1 grant', `OIDC JWT, ${GRANTS} grants`];

async function main() {
  const idp = await startTestProvider();
  idp.allowRedirect('http://127.0.0.1:1');
  console.log(`bench:grants — ${os.cpus().length} CPUs, node ${process.version}; load average ${load()} (1, 5, 15 min)`);
  console.log(`${SETS} sets of fresh server processes; per set: latency ${N} sequential keep-alive requests per op per caller, interleaved in rounds of 25${THROUGHPUT ? `; throughput autocannon ${CONNECTIONS} connections, ${ROUNDS} rounds x ${DURATION} s per caller, interleaved` : ''}`);
  const sets: SetResult[][] = [];
  for (let k = 0; k < SETS; k++) {
    sets.push(await measureSet(idp));
    console.log(`  set ${k + 1}/${SETS} done (load average ${load()})`);
  }
  for (const [o, op] of ops.entries()) {
    const per = sets.map((set) => set[o]!);
    const p50 = (c: number) => median(per.map((r) => r.stats[c]!.p50));
    const p99 = (c: number) => median(per.map((r) => r.stats[c]!.p99));
    console.log(`\n${op.name} — ${op.method} ${op.path(0).replace(/\?.*/, '')} (medians over sets)`);
    console.log(`${'caller'.padEnd(26)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'req/s'.padStart(9)}`);
    for (const [c, label] of CALLER_LABELS.entries()) {
      const rps = THROUGHPUT ? median(per.flatMap((r) => r.rps.map((round) => round[c]!))).toFixed(0) : '-';
      const errors = per.reduce((n, r) => n + r.errors[c]!, 0);
      console.log(`${label.padEnd(26)} ${fmt(p50(c)).padStart(10)} ${fmt(p99(c)).padStart(10)} ${rps.padStart(9)}${errors ? `  ${errors} errors` : ''}`);
    }
    console.log(`${'pairing'.padEnd(34)} ${'added p50'.padStart(11)} ${'req/s ratio'.padStart(12)} ${'per set'.padStart(22)}   (aims: <= 0.050 ms, >= 0.970)`);
    for (const [label, a, b] of PAIRS) {
      // Added p50: the median over sets of each set's difference (the two callers measured interleaved).
      const added = median(per.map((r) => r.stats[b]!.p50 - r.stats[a]!.p50));
      // req/s: each round's ratio of the two callers measured back to back; the median of all rounds, and each set's median.
      const ratios = per.flatMap((r) => r.rps.map((round) => round[b]! / round[a]!));
      const bySet = per.map((r) => median(r.rps.map((round) => round[b]! / round[a]!)).toFixed(2)).join(' ');
      console.log(`${label.padEnd(34)} ${fmt(added).padStart(11)} ${(THROUGHPUT ? median(ratios).toFixed(3) : '-').padStart(12)} ${(THROUGHPUT ? bySet : '').padStart(22)}`);
    }
  }
  console.log(`\nload average at the end ${load()}`);
  await idp.close();
  agent.destroy();
}

(flag('serve', null) ? serve(flag('serve', 'open') as ServerKind) : main()).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
