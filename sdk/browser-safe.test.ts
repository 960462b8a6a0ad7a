// The web UI bundles sdk/client.ts: nothing it reaches may import Node built-ins.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SDK = import.meta.dirname;

/** Relative .ts modules reachable from `file`, following import/export ... from './x.js'. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/from\s+'(\.[^']+)\.js'/g)) {
    const ts = path.resolve(path.dirname(file), `${m[1]}.ts`);
    const dts = path.resolve(path.dirname(file), `${m[1]}.d.ts`);
    reachable(fs.existsSync(ts) ? ts : dts, seen);
  }
  return seen;
}

describe('the browser part of the SDK', () => {
  it('imports no Node built-in from client.ts or anything it reaches', () => {
    const files = [...reachable(path.join(SDK, 'client.ts'))];
    expect(files.map((f) => path.basename(f))).toContain('events-follow.ts');
    const builtins = new Set(builtinModules);
    for (const file of files) {
      const specifiers = [...fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'([^']+)'/g)].map((m) => m[1]);
      const offending = specifiers.filter((s) => s.startsWith('node:') || builtins.has(s.split('/')[0]));
      expect(offending, `${path.basename(file)} imports ${offending.join(', ')}`).toEqual([]);
    }
  });
});
