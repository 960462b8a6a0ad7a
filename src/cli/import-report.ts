// What an import did, in one line (or JSON): shared by `stagecraft import` and `gto import`.
import type { ImportResult } from '../../sdk/types.js';
import type { CliContext } from './cli-context.js';

/** One line saying what an import did (shared with `gto import`). */
export function report(ctx: CliContext, r: ImportResult): void {
  ctx.out().result(r, () => {
    if (!r.changed) return ctx.out().line(`${r.model}: already imported, nothing changed`);
    const versions = r.versions_added.length ? `versions ${r.versions_added.join(', ')}` : 'no new versions';
    ctx.out().line(`${r.created ? 'created' : 'updated'} ${r.model}: ${versions}, ${r.events_added} event(s)${r.settings.length ? `, settings: ${r.settings.join(', ')}` : ''}`);
  });
}
