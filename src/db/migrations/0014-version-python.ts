// Frozen: never edit after it lands; add a new migration instead.
// What registration learned of a version's MLflow model directory (flavors, python_version,
// requirements), as JSON: the python-env gate checks the requirements against an interpreter, and
// the native version view shows them. A column, not reserved tags: version tags are the user's and
// travel through MLflow's door as they are.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function versionPythonMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('versions').addColumn('python', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('versions').dropColumn('python').execute();
    },
  };
}
