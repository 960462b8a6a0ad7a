// Shutting down without hanging. Node's server.close() reaps idle keep-alive connections once, when
// it is called. Two kinds escape it and hold close() open: a connection a client opened but has not
// sent anything on yet (Node counts it as busy until headersTimeout, 60 s), and one that finished
// its request just after. So while closing, every 100 ms: drop connections that never sent a byte,
// and reap idle ones again; after a grace, cut whatever is left — a request that has not finished
// by then would not finish before the process exits anyway.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

const REAP_EVERY_MS = 100;
export const DRAIN_GRACE_MS = 10_000;

export function registerGracefulClose(app: FastifyInstance, graceMs = DRAIN_GRACE_MS): void {
  // Per connection, not per request: nothing is added to the request path.
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const timers: NodeJS.Timeout[] = [];
  const reap = () => {
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
    app.server.closeIdleConnections();
  };
  app.addHook('preClose', async () => {
    timers.push(setInterval(reap, REAP_EVERY_MS).unref());
    timers.push(setTimeout(() => app.server.closeAllConnections(), graceMs).unref());
  });
  app.addHook('onClose', async () => {
    for (const t of timers) clearTimeout(t);
  });
}
