// The kernel's own references to stored blobs, for garbage collection: every version's files,
// deleted versions' included — a deleted version keeps its bytes until an admin purges it.
import type { BlobReferences } from '../deps.js';
import { fileDigests, fileDigestsAmong } from './versions-store.js';

export const versionFileReferences: BlobReferences = {
  owner: 'versions',
  all: (db) => fileDigests(db),
  among: (db, sha256s) => fileDigestsAmong(db, sha256s),
};
