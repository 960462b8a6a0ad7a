// The bare proxy bench/storage-floor.ts measures: a plain Node http server, in its own process, that
// answers GET /raw and GET /verified with one S3 object (GetObject of BUCKET/KEY), piped straight to
// the response — /verified through the same sha256-verifying stream the blob stores use. No
// Fastify, no database, no routing: the least any server in the byte path costs.
import http from 'node:http';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/blobs/s3-client.js';
import { verifyingStream } from '../src/blobs/verify.js';

const env = (name: string) => process.env[name] ?? '';
const client = createS3Client({ endpoint: env('S3_ENDPOINT'), region: env('S3_REGION'), credentials: { accessKeyId: env('S3_ACCESS_KEY_ID'), secretAccessKey: env('S3_SECRET_ACCESS_KEY') } });
const server = http.createServer((req, res) => {
  void (async () => {
    const body = (await client.send(new GetObjectCommand({ Bucket: env('FLOOR_BUCKET'), Key: env('FLOOR_KEY') }))).Body as Readable;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': env('FLOOR_SIZE') });
    if (req.url === '/verified') body.pipe(verifyingStream(env('FLOOR_SHA256'), 1024 * 1024)).pipe(res);
    else body.pipe(res);
  })().catch((err: Error) => res.destroy(err));
});
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));
