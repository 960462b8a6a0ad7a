// What validation gates keep in the blob store: each model's holdout dataset, for as long as its
// gates name it. Few rows (one per gated model), so `among` reads them all too.
import type { Db } from '../../db/tables.js';
import type { BlobReferences } from '../../registry/index.js';
import type { GatesConfig } from './gates.js';
import { allGatesConfigs } from './gates-store.js';

async function holdoutDigests(db: Db): Promise<string[]> {
  return (await allGatesConfigs(db)).map((c) => (JSON.parse(c) as GatesConfig).holdout?.sha256).filter((s): s is string => !!s);
}

export const holdoutReferences: BlobReferences = {
  owner: 'gates',
  all: holdoutDigests,
  among: async (db, sha256s) => {
    const wanted = new Set(sha256s);
    return (await holdoutDigests(db)).filter((s) => wanted.has(s));
  },
};
