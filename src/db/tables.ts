// The database's tables, as one interface every module adds its own to: each store declares its
// row types beside its SQL and merges them in with
//   declare module '<relative path>/db/tables.js' { interface Database { my_table: MyTable } }
// so db/ knows no module, and a module's tables are visible wherever the module is part of the
// program. Timestamps are epoch milliseconds; JSON columns hold text.
import type { Kysely, Transaction } from 'kysely';

/** Empty here on purpose: filled by declaration merging, one store at a time. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging fills it (see above)
export interface Database {}

/** A database handle or a transaction: stores accept either, services own the transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
