// A standalone gateway's disk cache: verified artifact bytes by sha256, version specs, and the last
// known pointers (snapshot + events since) — enough to boot and serve with the registry down.
// Writes go to a temporary file and are renamed into place, so a crash never leaves half a file.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import type { RegistryEvent, ServingSnapshot } from '../../../../sdk/client.js';
import { readVerified } from '../verified-bytes.js';
import { writeVerified } from '../verified-file.js';
import type { VersionSpec } from '../runtimes/runtime.js';

export interface CachedPointers {
  snapshot: ServingSnapshot;
  events: RegistryEvent[];
}

export class GatewayCache {
  constructor(readonly dir: string) {}

  private file(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  private async write(target: string, data: string | Buffer): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Unique per write: replicas may share a cache directory.
    const tmp = `${target}.${randomUUID()}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  }

  private async readJson<T>(target: string): Promise<T | null> {
    try {
      return JSON.parse(await fs.readFile(target, 'utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Cached bytes, only if they still hash to their name. */
  async blob(sha256: string): Promise<Buffer | null> {
    try {
      return await readVerified(createReadStream(this.file('blobs', sha256)), sha256, 'cached bytes');
    } catch {
      return null;
    }
  }

  async putBlob(sha256: string, bytes: Buffer): Promise<void> {
    await this.write(this.file('blobs', sha256), bytes);
  }

  /** Where a blob lives in the cache (it may not be there); the directory exists once this resolves. */
  async blobPath(sha256: string): Promise<string> {
    const target = this.file('blobs', sha256);
    await fs.mkdir(path.dirname(target), { recursive: true });
    return target;
  }

  /** Copies a cached blob to `target` if it is there and still hashes to its name; false otherwise. */
  async copyBlobTo(sha256: string, target: string): Promise<boolean> {
    try {
      await writeVerified(createReadStream(this.file('blobs', sha256)), sha256, 'cached bytes', target);
      return true;
    } catch {
      return false;
    }
  }

  async spec(model: string, version: number): Promise<VersionSpec | null> {
    return this.readJson<VersionSpec>(this.file('versions', `${encodeURIComponent(model)}@${version}.json`));
  }

  async putSpec(spec: VersionSpec): Promise<void> {
    await this.write(this.file('versions', `${encodeURIComponent(spec.model)}@${spec.version}.json`), JSON.stringify(spec));
  }

  async pointers(): Promise<CachedPointers | null> {
    return this.readJson<CachedPointers>(this.file('pointers.json'));
  }

  async putPointers(p: CachedPointers): Promise<void> {
    await this.write(this.file('pointers.json'), JSON.stringify(p));
  }
}
