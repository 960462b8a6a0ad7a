// npm run bench:storage — every storage figure of issue 17 in one command, each part on its own:
//   transfer  a large artifact (1 GB; --size MB) up to and down from an S3-compatible server through
//             Stagecraft vs the AWS SDK alone, in interleaved pairs (--reps N), and the server's RSS
//             (bench/storage-transfer.ts);
//   gc        garbage collection over 100,000 blobs on the disk store (--blobs N) (bench/storage-gc.ts);
//   gc-s3     the same on an S3 bucket, 10,000 objects by default (--s3-blobs N): each list page,
//             stat and delete is a request there;
//   floor     the same object through a bare Node proxy vs the SDK: what any server in the byte path costs (bench/storage-floor.ts);
//   manifest  registering a version of 1,000 files held on S3 (--files N): a check of every blob (bench/storage-manifest.ts);
//   backup    backup and restore of a registry with 10,000 versions (--versions N) (bench/storage-backup.ts).
// --only transfer,floor,gc,gc-s3,manifest,backup picks parts (default: all); --db sqlite|postgres for gc and backup
// (postgres needs STAGECRAFT_TEST_PG_URL; with it the backup is restored into the other kind too).
import { flag } from './harness.js';
import { runBackupBench } from './storage-backup.js';
import { runFloorBench } from './storage-floor.js';
import { runGcBench } from './storage-gc.js';
import { runManifestBench } from './storage-manifest.js';
import { runTransferBench } from './storage-transfer.js';

const PARTS = ['transfer', 'floor', 'gc', 'gc-s3', 'manifest', 'backup'] as const;
const only = (flag('only', PARTS.join(',')) ?? '').split(',').map((p) => p.trim()).filter(Boolean);
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) throw new Error(`--only: unknown part(s) ${unknown.join(', ')}; pick from ${PARTS.join(', ')}`);

for (const part of PARTS) {
  if (!only.includes(part)) continue;
  console.log(`\n=== bench:storage ${part} ===`);
  if (part === 'transfer') await runTransferBench();
  if (part === 'floor') await runFloorBench();
  if (part === 'gc') await runGcBench('disk');
  if (part === 'gc-s3') await runGcBench('s3');
  if (part === 'manifest') await runManifestBench();
  if (part === 'backup') await runBackupBench();
}
