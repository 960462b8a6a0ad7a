// Worker threads that host jobs: small pieces of plain CommonJS source that must not run on the event
// loop (better-sqlite3 is synchronous). Why jobs and not a thread each: a worker thread's V8 isolate,
// Node environment and malloc arena cost ~8–10 MB of RSS whatever it runs (issue 18.6: a serving
// process's memory). On SQLite the WAL checkpointer (db/) and the prediction writer (observe/) both
// work on the same file, so they share one thread keyed by that file; neither knows of the other.
// Each job talks to the main thread over its own MessagePort; inside the job the port is named
// `parentPort`, so a job's source reads as a worker's would. A thread ends when its last job
// detaches. If it dies, every job's port closes: that 'close' is each holder's one signal of loss.
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

const HOST = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ source, workerData, port }) => {
  try {
    new Function('require', 'workerData', 'parentPort', source)(require, workerData, port);
  } catch (err) {
    // A job whose setup throws ends alone; the thread and its other jobs go on.
    port.postMessage({ jobFailed: String((err && err.message) || err) });
    port.close();
  }
});
`;

interface Host {
  worker: Worker;
  jobs: Set<Job>;
  key: string | null;
}

const shared = new Map<string, Host>();

export interface Job {
  /** This side of the job's channel; listen through onMessage. */
  readonly port: MessagePort;
  /** Listens to the job. The port is unreferenced: an idle job keeps no process alive. */
  onMessage(handler: (message: unknown) => void): void;
  /** True once the port closed: the job ended, failed at setup, or its thread died. */
  readonly closed: boolean;
  /** Closes the channel; the thread ends with its last job. Resolves once it has, if it did. */
  detach(): Promise<void>;
  /** Keeps the process alive until the job detaches: while it finishes its work (an unreferenced one could be cut short). */
  ref(): void;
}

function spawnHost(key: string | null): Host {
  const worker = new Worker(HOST, { eval: true });
  worker.unref();
  const host: Host = { worker, jobs: new Set(), key };
  const forget = () => {
    if (key !== null && shared.get(key) === host) shared.delete(key);
  };
  worker.once('exit', forget);
  // An error also ends the thread ('exit' follows); the ports close on their own.
  worker.on('error', forget);
  if (key !== null) shared.set(key, host);
  return host;
}

/**
 * Starts `source` as a job: on the thread shared by everyone passing the same `shareKey` (a SQLite
 * file: it is resolved to an absolute path), or on a thread of its own when it is null.
 */
export function startJob(source: string, workerData: Record<string, unknown>, shareKey: string | null): Job {
  const key = shareKey === null ? null : path.resolve(shareKey);
  const host = (key !== null ? shared.get(key) : undefined) ?? spawnHost(key);
  const { port1, port2 } = new MessageChannel();
  let closed = false;
  port1.once('close', () => {
    closed = true;
  });
  // Listened from the start: a port never started misses the 'close' of a thread that dies.
  const handlers: Array<(message: unknown) => void> = [];
  port1.on('message', (m) => {
    for (const h of handlers) h(m);
  });
  host.worker.postMessage({ source, workerData, port: port2 }, [port2]);
  const job: Job = {
    port: port1,
    get closed() {
      return closed;
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    ref() {
      port1.ref();
    },
    async detach() {
      port1.close();
      host.jobs.delete(job);
      if (host.jobs.size > 0) return;
      if (host.key !== null && shared.get(host.key) === host) shared.delete(host.key);
      // Referenced while it ends: the caller awaits this, and an unreferenced thread would let the process end first.
      host.worker.ref();
      await host.worker.terminate();
    },
  };
  host.jobs.add(job);
  // After the 'message' listener, which references the port.
  port1.unref();
  return job;
}
