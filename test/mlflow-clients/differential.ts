// Sending the scripted requests to one server and comparing two servers' answers field by field,
// after normalising what legitimately differs between any two servers (times, page tokens).
import { DIFF_REQUESTS, type DiffRequest } from './differential-requests.js';

export interface Exchange {
  id: string;
  status: number;
  body: unknown;
}

function resolveTokens(value: unknown, answers: Map<string, Exchange>): unknown {
  if (typeof value === 'string') {
    const m = /^\{\{token:(.+)\}\}$/.exec(value);
    if (!m) return value;
    const body = answers.get(m[1])?.body as { next_page_token?: string } | undefined;
    if (!body?.next_page_token) throw new Error(`request "${m[1]}" gave no next_page_token`);
    return body.next_page_token;
  }
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, answers));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, answers)]));
  return value;
}

async function send(base: string, req: DiffRequest, answers: Map<string, Exchange>, headers: Record<string, string>): Promise<Exchange> {
  const url = new URL(`${base}/api/2.0/mlflow/${req.rpc}`);
  for (const [k, v] of Object.entries((resolveTokens(req.query ?? {}, answers) as Record<string, string | string[]>) ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
  }
  const body = req.body === undefined ? undefined : JSON.stringify(resolveTokens(req.body, answers));
  const res = await fetch(url, { method: req.method, body, headers: body ? { 'content-type': 'application/json', ...headers } : headers });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: compared as text
  }
  return { id: req.id, status: res.status, body: parsed };
}

/** Every scripted request, in order, to the server at `base`. */
export async function sendAll(base: string, headers: Record<string, string> = {}, requests = DIFF_REQUESTS): Promise<Exchange[]> {
  const answers = new Map<string, Exchange>();
  const out: Exchange[] = [];
  for (const req of requests) {
    const ex = await send(base, req, answers, headers);
    answers.set(req.id, ex);
    out.push(ex);
  }
  return out;
}

const TIMES = new Set(['creation_timestamp', 'last_updated_timestamp']);
/** Lists whose order carries no meaning, sorted by this field before comparing. */
const UNORDERED: Record<string, string> = { tags: 'key', aliases: 'alias' };

/** Python prints sets ("Valid keys are '{'b', 'a'}'") in a per-process random order: sort them. */
function sortPythonSets(message: string): string {
  return message.replace(/\{('[^']*'(?:, '[^']*')*)\}/g, (_, inner: string) => `{${inner.split(', ').sort().join(', ')}}`);
}

/** Times and page tokens differ between any two servers; lists that are sets are sorted. */
export function normalise(value: unknown, key = ''): unknown {
  if (key === 'message' && typeof value === 'string') return sortPythonSets(value);
  if (TIMES.has(key) && (typeof value === 'number' || typeof value === 'string')) return '<time>';
  if (key === 'next_page_token' && typeof value === 'string') return '<token>';
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v));
    const by = UNORDERED[key];
    if (by) return [...items].sort((a, b) => String(sortKey(a, by)).localeCompare(String(sortKey(b, by))));
    return items;
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  return value;
}

function sortKey(v: unknown, by: string): unknown {
  return v && typeof v === 'object' ? (v as Record<string, unknown>)[by] : v;
}

export interface Difference {
  /** `<request id> <json path>`, e.g. `model get $.registered_model.description`; `status` for the HTTP status. */
  where: string;
  mlflow: unknown;
  stagecraft: unknown;
}

function diffValues(where: string, a: unknown, b: unknown, out: Difference[]): void {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diffValues(`${where}.${k}`, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ where, mlflow: a, stagecraft: b });
}

/** Field-by-field differences between the two servers' normalised answers, request by request. */
export function compare(mlflow: Exchange[], stagecraft: Exchange[]): Difference[] {
  const out: Difference[] = [];
  mlflow.forEach((m, i) => {
    const s = stagecraft[i];
    if (m.status !== s.status) out.push({ where: `${m.id} status`, mlflow: m.status, stagecraft: s.status });
    diffValues(`${m.id} $`, normalise(m.body), normalise(s.body), out);
  });
  return out;
}
