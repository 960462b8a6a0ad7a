// npm run bench:serving -- --part floor — issue 18.1: the gateway's inference path against the
// floor, a bare Fastify route calling onnxruntime-node on the same model (bench/bare-route.ts), each
// in its own process started afresh for every process pair (alternating which starts first), the
// gateway as `stagecraft server` serves (SQLite, monitoring on: guard, prediction writer). For each
// load — one row at 4 and at 16 connections, 100 rows at 4 — each process pair runs a warm-up, then
// --pairs pairs of --duration s rounds in alternating order; its ratio is the median of its round
// ratios, and the figure is the min / median / max over process pairs. Two identical processes
// differ by several per cent for as long as they live, hence fresh pairs. Server CPU per request
// (all threads, and the main thread) is reported for both sides: on two cores the load generator
// and ONNX Runtime's threads share the CPU with the server, so throughput alone can mislead.
// Flags: --procs N (8), --pairs N (2), --duration S (3), --model logreg|mlp (logreg),
// --loadgen wrk|autocannon (wrk when on PATH), --ladder (each rung of the floor ladder of
// bare-route.ts, then the gateway, against the bare route: where the gap comes from).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { FRAUD_FEATURES, transactions } from '../src/observe/demo-scenario.js';
import { cannon, flag, wrkLoad } from './harness.js';
import { RUNGS, type Rung } from './bare-route.js';
import { startTarget, type Target } from './targets.js';

const PROCS = Number(flag('procs', '8'));
const PAIRS = Number(flag('pairs', '2'));
const DURATION = Number(flag('duration', '3'));
const MODEL = flag('model', 'logreg') === 'mlp' ? 'mlp' : 'logreg';
const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk prints its version and exits 1; only a missing binary is "no wrk".
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();
const LOADGEN = flag('loadgen', hasWrk ? 'wrk' : 'autocannon');
/** --ladder: the floor ladder (bare-route.ts's rungs, then the gateway), 1 and 100 rows at 4 connections. */
const LADDER = process.argv.includes('--ladder');

interface Load {
  label: string;
  rows: number;
  connections: number;
  aim: number;
}
const LOADS: Load[] = [
  { label: '1 row, 4 connections', rows: 1, connections: 4, aim: 0.9 },
  { label: '1 row, 16 connections', rows: 1, connections: 16, aim: 0.9 },
  { label: '100 rows, 4 connections', rows: 100, connections: 4, aim: 0.85 },
];

function body(rows: number): string {
  const data = transactions(rows, 5).flatMap((t) => t.features);
  return JSON.stringify({ inputs: [{ name: 'input', shape: [rows, FRAUD_FEATURES.length], datatype: 'FP32', data }] });
}

type Side = 'bare' | 'gateway';
interface Round {
  rps: number;
  cpuUs: number;
  mainUs: number;
}

/** The other side of a pair: the gateway, or a rung of the floor ladder (bare-route.ts). */
interface Candidate {
  label: string;
  start(): Promise<Target>;
}
const GATEWAY: Candidate = { label: 'gateway', start: () => startTarget(import.meta.url, 'monitoring-target', ['on', MODEL, '']) };
const rungCandidate = (rung: Rung): Candidate => ({ label: `bare + ${RUNGS.slice(1, RUNGS.indexOf(rung) + 1).join(' + ')}`, start: () => startTarget(import.meta.url, 'bare-target', [MODEL, rung]) });

async function round(t: Target, b: string, load: Load, duration: number, side: string): Promise<Round> {
  const before = await t.usage();
  const r = await (LOADGEN === 'wrk' ? wrkLoad : cannon)(`${t.base}/v2/models/fraud/infer`, b, { duration, connections: load.connections });
  const after = await t.usage();
  // Failed requests are counted and shown with the figures (an error never passes unseen, and a
  // run of many minutes is not lost to one stall); which kind tells a stall (timeout) from a refusal.
  if (r.errors) errors.push(`${side}, ${load.label}: ${r.errors} errors (${JSON.stringify(r.errorKinds ?? {})})`);
  return { rps: r.rps, cpuUs: ((after.cpuMs - before.cpuMs) * 1000) / r.total, mainUs: (((after.threads.main ?? 0) - (before.threads.main ?? 0)) * 1000) / r.total };
}

/** Every round's failed requests, side and load named; printed at the end of the run. */
const errors: string[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface LoadResult {
  perProc: number[];
  rounds: Record<Side, Round[]>;
}

/** Fresh process pairs of the bare route and `candidate`, each load measured in every pair. */
async function compare(candidate: Candidate, loads: Load[], log: (line: string) => void): Promise<LoadResult[]> {
  const results = loads.map(() => ({ perProc: [] as number[], rounds: { bare: [] as Round[], gateway: [] as Round[] } }));
  const bodies = loads.map((l) => body(l.rows));
  for (let p = 0; p < PROCS; p++) {
    const targets = {} as Record<Side, Target>;
    for (const side of (p % 2 ? ['gateway', 'bare'] : ['bare', 'gateway']) as Side[]) {
      targets[side] = side === 'bare' ? await startTarget(import.meta.url, 'bare-target', [MODEL]) : await candidate.start();
    }
    try {
      for (const [k, l] of loads.entries()) {
        // Warm both (JIT, ONNX sessions, connection setup), then pairs in alternating order.
        await round(targets.bare, bodies[k]!, l, 1, 'bare (warm-up)');
        await round(targets.gateway, bodies[k]!, l, 1, `${candidate.label} (warm-up)`);
        const ratios: number[] = [];
        for (let i = 0; i < PAIRS; i++) {
          const got = {} as Record<Side, Round>;
          for (const side of ((i + p) % 2 ? ['gateway', 'bare'] : ['bare', 'gateway']) as Side[]) got[side] = await round(targets[side], bodies[k]!, l, DURATION, side === 'bare' ? 'bare' : candidate.label);
          results[k]!.rounds.bare.push(got.bare);
          results[k]!.rounds.gateway.push(got.gateway);
          ratios.push(got.gateway.rps / got.bare.rps);
        }
        results[k]!.perProc.push(median(ratios));
      }
    } finally {
      await targets.bare.close();
      await targets.gateway.close();
    }
    log(`  ${candidate.label}, process pair ${p + 1}/${PROCS}: ${loads.map((l, k) => `${l.label} ${results[k]!.perProc.at(-1)!.toFixed(3)}`).join('; ')} (load ${loadAvg()})`);
  }
  return results;
}

const loadAvg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function table(title: string, loads: Load[], results: LoadResult[], aims: boolean): void {
  console.log(`\n${title}\n${'load'.padEnd(26)} ${'bare req/s'.padStart(10)} ${'other req/s'.padStart(11)} ${'ratio min / median / max'.padStart(25)}  ${'CPU us/req bare -> other (main thread)'.padStart(38)}${aims ? '  aim' : ''}`);
  for (const [k, l] of loads.entries()) {
    const r = results[k]!;
    const m = (side: Side, f: keyof Round) => median(r.rounds[side].map((x) => x[f]));
    const ratio = `${Math.min(...r.perProc).toFixed(3)} / ${median(r.perProc).toFixed(3)} / ${Math.max(...r.perProc).toFixed(3)}`;
    const cpu = `${m('bare', 'cpuUs').toFixed(1)} -> ${m('gateway', 'cpuUs').toFixed(1)} (${m('bare', 'mainUs').toFixed(1)} -> ${m('gateway', 'mainUs').toFixed(1)})`;
    const aim = aims ? `  >= ${l.aim.toFixed(2)} ${median(r.perProc) >= l.aim ? 'met' : 'missed'}` : '';
    console.log(`${l.label.padEnd(26)} ${m('bare', 'rps').toFixed(0).padStart(10)} ${m('gateway', 'rps').toFixed(0).padStart(11)} ${ratio.padStart(25)}  ${cpu.padStart(38)}${aim}`);
  }
}

export async function servingFloor(): Promise<void> {
  const head = `${os.cpus().length} CPUs, node ${process.version}, ${MODEL}, ${LOADGEN}; ${PROCS} process pairs x ${PAIRS} round pairs of ${DURATION} s per load; load average ${loadAvg()}`;
  if (!LADDER) {
    console.log(`bench:serving --part floor — ${head}`);
    table('the gateway against the bare route', LOADS, await compare(GATEWAY, LOADS, (l) => console.log(l)), true);
  } else {
    // Each rung and the gateway against the bare route, at 4 connections with 1 and 100 rows: how
    // much of the gap Fastify's own features make, with none of Stagecraft's code on the path.
    const loads = [LOADS[0]!, LOADS[2]!];
    console.log(`bench:serving --part floor --ladder — ${head}`);
    const all: Array<[Candidate, LoadResult[]]> = [];
    for (const c of [...RUNGS.slice(1).map(rungCandidate), GATEWAY]) all.push([c, await compare(c, loads, (l) => console.log(l))]);
    for (const [c, results] of all) table(c.label, loads, results, false);
  }
  console.log(errors.length ? `\nFAILED REQUESTS:\n${errors.map((e) => `  ${e}`).join('\n')}` : '\nno failed request');
  console.log(`load average at the end ${loadAvg()}`);
}
