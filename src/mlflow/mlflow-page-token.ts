// MLflow's page tokens: base64 of {"offset": N}, read the way MLflow's server reads them
// (SearchUtils.parse_start_offset_from_page_token: Python's lenient base64, json.loads, int()) and
// refused with its messages. What a garbage token decoded to is shown as Python shows it (b'\xff…'),
// escaped, never as the raw bytes.
import { badParam } from './mlflow-errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Python's base64.b64decode (binascii.a2b_base64, non-strict): skips foreign characters, stops at complete padding. */
export function pythonB64Decode(s: string): Buffer | null {
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (const ch of s) {
    if (ch === '=') {
      if (quad >= 2 && quad + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = ALPHABET.indexOf(ch);
    if (v < 0) continue;
    pads = 0;
    if (quad === 0) left = v;
    else if (quad === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quad === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else out.push(((left << 6) | v) & 0xff);
    quad = (quad + 1) % 4;
  }
  return quad === 0 ? Buffer.from(out) : null;
}

/** Python's repr() of bytes: b'…' with printable ASCII as is and everything else escaped. */
export function pythonBytesRepr(bytes: Buffer): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let body = '';
  for (const b of bytes) {
    if (b === 0x5c) body += '\\\\';
    else if (b === quote.charCodeAt(0)) body += `\\${quote}`;
    else if (b === 0x09) body += '\\t';
    else if (b === 0x0a) body += '\\n';
    else if (b === 0x0d) body += '\\r';
    else if (b >= 0x20 && b < 0x7f) body += String.fromCharCode(b);
    else body += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${body}${quote}`;
}

/** Python's repr() of a str, with anything unprintable escaped. */
function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  return `${quote}${escapeUnprintable(s).replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
}

function escapeUnprintable(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return s.replace(/\\/g, '\\\\').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Python's repr() of what json.loads gives: {'offset': 0}, 'x', None, True, [1]. */
export function pythonRepr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pythonStrRepr(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pythonStrRepr(k)}: ${pythonRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** int() of the token's offset as Python takes it: an integer, a float (truncated), a bool, a string of digits. */
function pythonInt(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) return Number(v.replace(/_/g, ''));
  return null;
}

/** The offset a page token stands for (0 without one). */
export function parsePageToken(token: string | undefined): number {
  if (!token) return 0;
  const decoded = pythonB64Decode(token);
  if (!decoded) throw badParam('Invalid page token, could not base64-decode');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decoded));
  } catch {
    throw badParam(`Invalid page token, decoded value=${pythonBytesRepr(decoded)}`);
  }
  // MLflow answers a token that is not an object with a 500 (AttributeError); a 400 here.
  const raw = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { offset?: unknown }).offset : undefined;
  const falsy = raw === undefined || raw === null || raw === 0 || raw === '' || raw === false || (Array.isArray(raw) && raw.length === 0);
  if (falsy) throw badParam(`Invalid page token, parsed value=${pythonRepr(parsed)}`);
  const offset = pythonInt(raw);
  if (offset === null) throw badParam(`Invalid page token, not stringable ${typeof raw === 'string' ? escapeUnprintable(raw) : pythonRepr(raw)}`);
  // MLflow passes a negative offset to its database (SQLite ignores it, PostgreSQL refuses it); refused here on both.
  if (offset < 0 || !Number.isSafeInteger(offset)) throw badParam(`Invalid page token, parsed value=${pythonRepr(parsed)}`);
  return offset;
}
