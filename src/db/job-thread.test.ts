import { expect, test } from 'vitest';
import { startJob, type Job } from './job-thread.js';

/** A job that answers each message with its thread id, or ends its thread on 'die'. */
const ECHO = `
const { threadId } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m === 'die') setTimeout(() => { throw new Error('the thread dies'); });
  parentPort.postMessage(threadId);
});
`;

function ask(job: Job): Promise<unknown> {
  return new Promise((resolve) => {
    let asked = false;
    job.onMessage((m) => {
      if (!asked) resolve(m);
      asked = true;
    });
    job.port.postMessage('which');
  });
}

const closed = (job: Job) => new Promise((resolve) => (job.closed ? resolve(undefined) : job.port.once('close', resolve)));

test('jobs with the same key share one thread; a null key gets a thread of its own', async () => {
  const a = startJob(ECHO, {}, '/tmp/stagecraft-job-thread-test.sqlite');
  const b = startJob(ECHO, {}, '/tmp/../tmp/stagecraft-job-thread-test.sqlite');
  const c = startJob(ECHO, {}, null);
  const [ta, tb, tc] = await Promise.all([ask(a), ask(b), ask(c)]);
  expect(ta).toBe(tb);
  expect(tc).not.toBe(ta);
  // The thread outlives a job that detaches while another remains.
  await a.detach();
  expect(await ask(b)).toBe(tb);
  await b.detach();
  await c.detach();
  // A new job on the key after the last one left starts a new thread.
  const d = startJob(ECHO, {}, '/tmp/stagecraft-job-thread-test.sqlite');
  expect(await ask(d)).not.toBe(ta);
  await d.detach();
});

test('a job whose setup throws ends alone, saying why; its thread goes on', async () => {
  const key = '/tmp/stagecraft-job-thread-fail.sqlite';
  const ok = startJob(ECHO, {}, key);
  const tid = await ask(ok);
  const bad = startJob("throw new Error('no driver');", {}, key);
  const said = new Promise((resolve) => bad.onMessage(resolve));
  expect(await said).toEqual({ jobFailed: 'no driver' });
  await closed(bad);
  expect(bad.closed).toBe(true);
  expect(await ask(ok)).toBe(tid);
  await bad.detach();
  await ok.detach();
});

test("a thread that dies closes every job's port", async () => {
  const key = '/tmp/stagecraft-job-thread-die.sqlite';
  const a = startJob(ECHO, {}, key);
  const b = startJob(ECHO, {}, key);
  await ask(b);
  a.port.postMessage('die');
  await Promise.all([closed(a), closed(b)]);
  expect(b.closed).toBe(true);
  // The dead thread is forgotten: the key gets a new one.
  const c = startJob(ECHO, {}, key);
  expect(typeof (await ask(c))).toBe('number');
  await Promise.all([a.detach(), b.detach(), c.detach()]);
});
