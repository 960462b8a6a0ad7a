// For component tests: a real registry listening on 127.0.0.1:0 (buildApp on real SQLite or
// PostgreSQL) and a render helper that wires the components to it through the real SDK.
import type { AddressInfo } from 'node:net';
import { configure, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { beforeAll } from 'vitest';
import { useRegistry, type DbKind, type Registry } from '../../test/databases';
import { SessionProvider } from './lib/session';

/** useRegistry plus a real port, so the SDK's fetch talks HTTP exactly as in the browser. */
// Real servers on a shared 2-core machine: give find*/waitFor room (a bound, not a speed claim).
configure({ asyncUtilTimeout: 8000 });

export function useListeningRegistry(kind: DbKind, opts: Parameters<typeof useRegistry>[1] = {}): Registry & { url: string } {
  const r = useRegistry(kind, opts) as Registry & { url: string };
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    r.url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  return r;
}

export function renderWithServer(url: string, ui: ReactNode, path = '/') {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <SessionProvider baseUrl={url}>{ui}</SessionProvider>
    </MemoryRouter>,
  );
}
