// The two ways a call fails: the server answered with an error, or no answer came at all.
// Browser-safe: no node: imports (the web UI uses the SDK too).

/** The server refused: it answered `{"error":{"code","message","id"}}` with a 4xx/5xx status. */
export class StagecraftApiError extends Error {
  override readonly name = 'StagecraftApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request id the server logged; quote it when reporting a 500. */
    readonly id: string | null,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The server could not be reached (refused connection, DNS, reset before an answer). */
export class StagecraftUnreachableError extends Error {
  override readonly name = 'StagecraftUnreachableError';
  constructor(
    readonly url: string,
    readonly cause?: unknown,
  ) {
    super(`cannot reach the Stagecraft server at ${url}: ${describeCause(cause)}`);
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause ?? 'no answer');
  // undici hides the useful part (ECONNREFUSED…) in err.cause.
  const inner = (cause as { cause?: unknown }).cause;
  if (inner instanceof Error) return (inner as { code?: string }).code ?? inner.message;
  return cause.message;
}

/** Builds the error for a non-2xx answer from its (possibly non-JSON) body. */
export function apiErrorFrom(status: number, body: unknown, statusText = ''): StagecraftApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; id?: unknown; details?: unknown } } | null)?.error;
  if (err && typeof err.message === 'string') {
    return new StagecraftApiError(status, String(err.code ?? `http_${status}`), err.message, typeof err.id === 'string' ? err.id : null, err.details);
  }
  const text = typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : statusText || 'no error message';
  return new StagecraftApiError(status, `http_${status}`, `HTTP ${status}: ${text}`, null);
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
