// Counts the queries a Kysely instance sends, for query-count tests and the registry benchmark's
// "queries per request" column: `db.withPlugin(counter)` sees every query, builder or raw `sql`.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export class QueryCounter implements KyselyPlugin {
  count = 0;
  /** The SQL of each counted query, when `keep` is set: to say which query a test did not expect. */
  readonly seen: string[] = [];

  constructor(readonly keep = false) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    if (this.keep) this.seen.push(args.node.kind);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  reset(): void {
    this.count = 0;
    this.seen.length = 0;
  }
}
