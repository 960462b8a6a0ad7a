// Counts the queries a Kysely instance sends, for query-count tests and the registry benchmark's
// "queries per request" column: `db.withPlugin(counter)` sees every query, builder or raw `sql`,
// and the prepared ones (db/prepared-query.ts), which skip transformQuery: a query is counted when
// its result comes back, so a failed query is not counted.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export class QueryCounter implements KyselyPlugin {
  count = 0;
  /** The SQL of each counted query, when `keep` is set: to say which query a test did not expect. */
  readonly seen: string[] = [];

  constructor(readonly keep = false) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.keep) this.seen.push(args.node.kind);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    return args.result;
  }

  reset(): void {
    this.count = 0;
    this.seen.length = 0;
  }
}
