// Requests that reach a listening server together: every socket is connected first, then every
// request is written in one tick. app.inject() cannot show this: it hands requests to the router
// one by one, never over sockets the server accepts and reads in its own time.
import net from 'node:net';
import type { App } from '../src/http/app-types.js';

export interface RawAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test's JSON answer is what it asserts on
  body: any;
}

function answerOf(socket: net.Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (raw += d));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      const text = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (or chunked): the status is what most callers need
      }
      resolve({ status, body });
    });
  });
}

/** Sends every body to `path` at the same moment (POST, JSON, one connection each); answers in order. */
export async function burst(app: App, path: string, bodies: unknown[], headers: Record<string, string> = {}): Promise<RawAnswer[]> {
  const address = app.server.address();
  if (!address || typeof address === 'string') await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;
  const sockets = await Promise.all(
    bodies.map(() => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    })),
  );
  const answers = sockets.map(answerOf);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  bodies.forEach((b, i) => {
    const json = JSON.stringify(b);
    sockets[i].write(
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${extra}connection: close\r\n\r\n${json}`,
    );
  });
  return Promise.all(answers);
}
