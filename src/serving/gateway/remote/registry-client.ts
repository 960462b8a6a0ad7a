// The few registry calls a standalone gateway makes, over plain fetch with an optional token.
import { AppError } from '../../../errors.js';
import { IntegrityError } from '../source.js';
import { readVerified } from '../verified-bytes.js';

export class RegistryUnreachable extends Error {}

export class RegistryClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
    private readonly timeoutMs = 10_000,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  url(path: string): string {
    return `${this.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  /** fetch, with network failures (registry down) told apart from the registry's own answers. */
  async request(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(this.url(path), {
        ...init,
        headers: this.headers(init.headers as Record<string, string>),
        signal: signal ?? AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RegistryUnreachable(`registry ${this.baseUrl} unreachable: ${(err as Error).message}`);
    }
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = JSON.parse(text).error?.message ?? message;
      } catch {
        // not JSON
      }
      throw new AppError(res.status === 404 ? 'not_found' : res.status === 400 ? 'invalid_argument' : 'unavailable', `registry answered ${res.status} for ${path}: ${message}`);
    }
    return JSON.parse(text) as T;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  /** Downloads a file, hashing while it streams; a mismatch is an IntegrityError. */
  async verifiedBytes(path: string, sha256: string, what: string): Promise<Buffer> {
    const res = await this.request(path, {}, AbortSignal.timeout(10 * 60_000));
    if (!res.ok || !res.body) throw new AppError('unavailable', `registry answered ${res.status} for ${path}`);
    try {
      return await readVerified(res.body as unknown as AsyncIterable<Uint8Array>, sha256, what);
    } catch (err) {
      if (err instanceof IntegrityError) throw err;
      throw new RegistryUnreachable(`download of ${path} was cut off: ${(err as Error).message}`);
    }
  }
}
