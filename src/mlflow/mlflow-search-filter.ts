// MLflow's search grammar: a conjunction (AND) of `<identifier> <comparator> <value>` where the
// identifier is an attribute or tag(s).<key> (backticks or double quotes for odd keys), strings are
// quoted, numbers are bare and run_id also takes IN ('a', 'b'). Plus order_by and page tokens.
import { badParam } from './mlflow-errors.js';
import { parsePageToken } from './mlflow-page-token.js';

export type Comparison =
  | { kind: 'attr'; key: string; op: string; value: string | number | string[] }
  | { kind: 'tag'; key: string; op: string; value: string }
  | { kind: 'param'; key: string; op: string; value: string }
  | { kind: 'metric'; key: string; op: string; value: number };

type IdentKind = 'attr' | 'tag' | 'param' | 'metric';

export interface AttrSpec {
  type: 'string' | 'number';
  /** run_id IN (...) */
  allowIn?: boolean;
}

type Token = { t: 'str' | 'word' | 'ident' | 'op' | 'punct'; v: string };

const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMBER_OPS = ['=', '!=', '<', '<=', '>', '>='];

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw badParam(`Invalid filter '${s}': unterminated quote`);
      out.push({ t: c === '`' ? 'ident' : 'str', v: s.slice(i + 1, end) });
      i = end + 1;
    } else if (/[<>=!]/.test(c)) {
      const two = s.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw badParam(`Invalid clause(s) in filter string: '${s}'`);
      out.push({ t: 'op', v: op });
      i += op.length;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
    } else {
      const m = /^[^\s'"`<>=!(),]+/.exec(s.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function parseIdentifier(tokens: Token[], pos: number, filter: string, runs: boolean): [{ kind: IdentKind; key: string }, number] {
  const tok = tokens[pos];
  if (!tok || (tok.t !== 'word' && tok.t !== 'ident')) throw badParam(`Invalid clause(s) in filter string: '${filter}'`);
  if (tok.t === 'ident') return [{ kind: 'attr', key: tok.v }, pos + 1];
  const dot = tok.v.indexOf('.');
  if (dot < 0) return [{ kind: 'attr', key: tok.v }, pos + 1];
  const entity = tok.v.slice(0, dot).toLowerCase();
  let key = tok.v.slice(dot + 1);
  let next = pos + 1;
  if (key === '') {
    const quoted = tokens[next];
    if (!quoted || (quoted.t !== 'ident' && quoted.t !== 'str')) throw badParam(`Invalid identifier '${tok.v}' in filter '${filter}'`);
    key = quoted.v;
    next++;
  }
  if (entity === 'tag' || entity === 'tags') return [{ kind: 'tag', key }, next];
  if (entity === 'attribute' || entity === 'attributes') return [{ kind: 'attr', key }, next];
  if (runs && (entity === 'metric' || entity === 'metrics')) return [{ kind: 'metric', key }, next];
  if (runs && ['param', 'params', 'parameter', 'parameters'].includes(entity)) return [{ kind: 'param', key }, next];
  if (!runs) throw badParam(`Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags')`);
  throw badParam(`Invalid entity type '${entity}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`);
}

function parseValue(tokens: Token[], pos: number, op: string, filter: string): [string | number | string[], number] {
  const tok = tokens[pos];
  if (!tok) throw badParam(`Invalid clause(s) in filter string: '${filter}'`);
  if (op === 'IN') {
    if (tok.v !== '(') throw badParam(`While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.`);
    const list: string[] = [];
    let p = pos + 1;
    while (p < tokens.length && tokens[p].v !== ')') {
      if (tokens[p].t !== 'str') throw badParam('While parsing a list in the query, expected string value or punctuation, but got different type in list.');
      list.push(tokens[p].v);
      p++;
      if (tokens[p]?.v === ',') p++;
    }
    if (tokens[p]?.v !== ')') throw badParam('While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.');
    if (list.length === 0) throw badParam('While parsing a list in the query, expected a non-empty list of string values, but got empty list');
    return [list, p + 1];
  }
  if (tok.t === 'str') return [tok.v, pos + 1];
  if (tok.t === 'word' && /^-?\d+(\.\d+)?$/.test(tok.v)) return [Number(tok.v), pos + 1];
  throw badParam(
    `Parameter value is either not quoted or unidentified quote types used for string value ${tok.v}. Use either single or double quotes.`,
  );
}

/** Parses a filter for one entity; `attrs` lists the attributes it may use. */
export function parseFilter(filter: string | undefined, attrs: Record<string, AttrSpec>, opts: { runs?: boolean; registry?: boolean } = {}): Comparison[] {
  if (!filter || !filter.trim()) return [];
  const tokens = tokenize(filter);
  const out: Comparison[] = [];
  let pos = 0;
  while (pos < tokens.length) {
    const [ident, afterIdent] = parseIdentifier(tokens, pos, filter, !!opts.runs);
    const opTok = tokens[afterIdent];
    // MLflow names the clause it could not read (sqlparse's token), not the whole filter.
    if (!opTok || (opTok.t !== 'op' && opTok.t !== 'word')) throw badParam(`Invalid clause(s) in filter string: ${tokens.slice(pos, afterIdent + 1).map((t) => t.v).join(' ')}`);
    const op = opTok.v.toUpperCase();
    const [value, afterValue] = parseValue(tokens, afterIdent + 1, op, filter);
    out.push(opts.runs ? checkComparison(ident, op, value, attrs) : checkRegistryWording(ident, op, attrs, !!opts.registry) ?? checkComparison(ident, op, value, attrs));
    pos = afterValue;
    if (pos < tokens.length) {
      if (tokens[pos].t !== 'word' || tokens[pos].v.toUpperCase() !== 'AND') throw badParam(`Invalid clause(s) in filter string: ${tokens[pos].v}`);
      pos++;
      if (pos >= tokens.length) throw badParam(`Invalid clause(s) in filter string: '${filter}'`);
    }
  }
  return out;
}

/**
 * MLflow 3's messages for comparators its registry and experiment searches refuse (SearchUtils and
 * the SQL store); undefined when the comparison passes these checks.
 */
function checkRegistryWording(ident: { kind: IdentKind; key: string }, op: string, attrs: Record<string, AttrSpec>, registry: boolean): Comparison | undefined {
  if (ident.kind === 'tag' && !STRING_OPS.includes(op)) throw badParam(`Invalid comparator for tag: ${op}`);
  if (ident.kind !== 'attr') return undefined;
  const spec = attrs[ident.key];
  if (!spec) return undefined;
  if (op === 'IN' && !spec.allowIn) throw badParam("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
  if (!registry) return undefined;
  if (spec.type === 'number' && !NUMBER_OPS.includes(op)) throw badParam(`Invalid comparator for attribute ${ident.key}: ${op}`);
  if (spec.type === 'string' && op !== 'IN' && !STRING_OPS.includes(op)) throw badParam(`Invalid comparator for attribute: ${op}`);
  return undefined;
}

function checkComparison(ident: { kind: IdentKind; key: string }, op: string, value: string | number | string[], attrs: Record<string, AttrSpec>): Comparison {
  if (ident.kind === 'tag' || ident.kind === 'param') {
    if (!STRING_OPS.includes(op)) throw badParam(`Invalid comparator '${op}' not one of '${STRING_OPS.join(', ')}'`);
    if (typeof value !== 'string') throw badParam(`Expected a quoted string value for ${ident.kind} '${ident.key}'`);
    return { kind: ident.kind, key: ident.key, op, value };
  }
  if (ident.kind === 'metric') {
    if (!NUMBER_OPS.includes(op)) throw badParam(`Invalid comparator '${op}' not one of '${NUMBER_OPS.join(', ')}'`);
    if (typeof value !== 'number') throw badParam(`Expected a numeric value for metric '${ident.key}'`);
    return { kind: 'metric', key: ident.key, op, value };
  }
  const spec = attrs[ident.key];
  if (!spec) {
    throw badParam(`Invalid attribute key '${ident.key}' specified. Valid keys are '{${Object.keys(attrs).map((k) => `'${k}'`).join(', ')}}'`);
  }
  if (spec.type === 'number') {
    if (!NUMBER_OPS.includes(op)) throw badParam(`Invalid comparator '${op}' not one of '${NUMBER_OPS.join(', ')}'`);
    if (typeof value !== 'number') throw badParam(`Expected a numeric value for attribute '${ident.key}'`);
    return { kind: 'attr', key: ident.key, op, value };
  }
  if (op === 'IN' && spec.allowIn) return { kind: 'attr', key: ident.key, op, value };
  if (!STRING_OPS.includes(op)) throw badParam(`Invalid comparator '${op}' not one of '${STRING_OPS.join(', ')}'`);
  if (typeof value !== 'string') {
    throw badParam(`Parameter value is either not quoted or unidentified quote types used for string value ${String(value)}. Use either single or double quotes.`);
  }
  return { kind: 'attr', key: ident.key, op, value };
}

export interface OrderClause {
  key: string;
  desc: boolean;
}

/** "name", "name DESC", "version_number  asc" — keys checked against `valid`. */
export function parseOrderBy(clauses: string[], valid: string[], aliases: Record<string, string> = {}, keyWord = 'order by'): OrderClause[] {
  const out: OrderClause[] = [];
  for (const clause of clauses) {
    const m = /^\s*(\S+)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    if (!m) throw badParam(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    const key = aliases[m[1]] ?? m[1];
    if (!valid.includes(key)) {
      throw badParam(`Invalid ${keyWord} key '${m[1]}' specified. Valid keys are '{${valid.map((k) => `'${k}'`).join(', ')}}'`);
    }
    // MLflow answers a duplicate with a 500; it is the caller's mistake, so a 400 here.
    if (out.some((o) => o.key === key)) throw badParam(`\`order_by\` contains duplicate fields: ['${key}']`);
    out.push({ key, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' });
  }
  return out;
}

/** base64 of {"offset": N} exactly as MLflow writes it (Python's json.dumps spacing). */
export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`).toString('base64');
}

/** The offset a page token stands for; MLflow's reading and messages (mlflow-page-token.ts). */
export function decodePageToken(token: string | undefined): number {
  return parsePageToken(token);
}

/**
 * max_results within 1..limit. Given the value as sent (`raw`), a value past the limit is refused
 * in the wording of MLflow's request schema check (registry and runs searches).
 */
export function maxResults(value: number | undefined, dflt: number, limit: number, raw?: unknown): number {
  const n = value ?? dflt;
  if (n < 1) throw badParam('Invalid value for max_results. It must be a positive integer, but got ' + n);
  if (n > limit && raw !== undefined) {
    const sent = Array.isArray(raw) ? raw[0] : raw;
    throw badParam(
      `Invalid value ${JSON.stringify(sent)} for parameter 'max_results' supplied:  Hint: Value was of type '${typeof sent === 'string' ? 'str' : 'int'}'. See the API docs for more information about request parameters.`,
    );
  }
  if (n > limit) throw badParam(`Invalid value for max_results. It must be at most ${limit}, but got ${n}`);
  return n;
}
