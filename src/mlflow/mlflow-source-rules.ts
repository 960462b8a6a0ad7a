// MLflow's checks on a model-versions/create source, with its messages (mlflow/server/handlers.py:
// _validate_source_run, _validate_non_local_source_contains_relative_paths, the prompt branch of
// _create_model_version). They run before Stagecraft resolves the source, so a source MLflow refuses
// is refused here the same way, whether or not Stagecraft could have resolved it.
import { badParam } from './mlflow-errors.js';

const RELATIVE_MESSAGE = (source: string) =>
  `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`;

interface ParsedUri {
  scheme: string;
  hostname: string | null;
  path: string;
}

/** Python's urllib.parse.urlparse, as far as these checks read it: scheme, hostname and path. */
export function parseUri(uri: string): ParsedUri {
  let rest = uri;
  let scheme = '';
  const colon = uri.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(uri.slice(0, colon))) {
    scheme = uri.slice(0, colon).toLowerCase();
    rest = uri.slice(colon + 1);
  }
  let hostname: string | null = null;
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    const netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end < 0 ? '' : rest.slice(2 + end);
    const host = netloc.slice(netloc.lastIndexOf('@') + 1).replace(/:\d*$/, '');
    hostname = host ? host.toLowerCase() : null;
  }
  const path = rest.split(/[?#]/)[0];
  return { scheme, hostname, path };
}

function unquotePlus(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // Python leaves malformed escapes as they are; decode what can be decoded.
    return s.replace(/\+/g, ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

/** No `..`, no `.`, no NUL, a non-empty absolute path: what resolving the path would leave unchanged. */
function checkNoRelativePaths(original: string): void {
  let source = original;
  for (let i = 0; i < 10; i++) {
    const unquoted = unquotePlus(source);
    if (unquoted === source) break;
    source = unquoted;
  }
  const path = parseUri(source).path.replace(/\/+$/, '').replace(/\/+/g, '/');
  if (path.includes('\u0000') || source.split('/').some((p) => p === '..')) throw badParam(RELATIVE_MESSAGE(original));
  // MLflow compares the path with pathlib's resolve() of it: an empty or relative path, or one with
  // "." segments, resolves to something else and is refused.
  if (!path.startsWith('/') || path.split('/').some((p) => p === '.')) throw badParam(RELATIVE_MESSAGE(original));
}

function isRemoteHost(hostname: string | null): boolean {
  return !!hostname && !(hostname === '.' || hostname.startsWith('localhost') || hostname.startsWith('127.0.0.1'));
}

/** Whether MLflow reads the source as a path on the server's disk (no scheme, or file: on this host). */
function isLocal(source: string, parsed: ParsedUri): boolean {
  if (parsed.scheme === '') return true;
  if (parsed.scheme === 'file') {
    if (isRemoteHost(parsed.hostname)) {
      // MLflow raises this as a 500 (INTERNAL_ERROR); it is the caller's mistake, so a 400 here.
      throw badParam(`${source} is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).`);
    }
    return true;
  }
  return false;
}

export interface SourceContext {
  /** The request carries the prompt marker tag (MLflow 3's prompt registry). */
  prompt: boolean;
  runId?: string;
  modelId?: string;
}

/**
 * MLflow's source rules. A local path is accepted by MLflow only inside the run's (or logged
 * model's) local artifact directory; runs here keep their artifacts behind the proxy
 * (mlflow-artifacts:), so no local path ever qualifies.
 */
export function validateMlflowSource(source: string, ctx: SourceContext): void {
  const parsed = parseUri(source);
  if (ctx.prompt) {
    if (parsed.scheme === 'file' || (parsed.scheme === '' && source.startsWith('/'))) {
      throw badParam(`Invalid prompt source: '${source}'. Local source paths are not allowed for prompts.`);
    }
    if (parsed.scheme) checkNoRelativePaths(source);
    return;
  }
  if (isLocal(source, parsed)) {
    const owner = ctx.modelId ? 'model_id' : 'run_id';
    const shown = ctx.runId || ctx.modelId ? normalizeLocal(parsed.scheme === 'file' ? parsed.path : source) : source;
    throw badParam(
      `Invalid model version source: '${shown}'. To use a local path as a model version source, the ${owner} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${owner}.`,
    );
  }
  checkNoRelativePaths(source);
}

/** MLflow shows the resolved path when it looked for the run: absolute, without "." and "..". */
function normalizeLocal(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
