// The ordered list of migrations. Append only; each file is frozen once it lands.
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectCaps } from '../dialect.js';
import { registryMigration } from './0001-registry.js';
import { gatewayMigration } from './0002-gateway.js';
import { mlflowMigration } from './0003-mlflow.js';
import { monitoringMigration } from './0004-monitoring.js';
import { promotionMigration } from './0005-promotion.js';
import { monitoringSegmentsMigration } from './0006-monitoring-segments.js';
import { monitoringSourcesMigration } from './0007-monitoring-sources.js';
import { replicaAcksMigration } from './0008-replica-acks.js';
import { gatewayPreparesMigration } from './0009-gateway-prepares.js';
import { monitoringShedsMigration } from './0010-monitoring-sheds.js';
import { loggedModelsMigration } from './0011-logged-models.js';
import { mlflowWebhooksMigration } from './0012-mlflow-webhooks.js';
import { protectedModelsMigration } from './0013-protected-models.js';
import { versionPythonMigration } from './0014-version-python.js';
import { versionPurgesMigration } from './0015-version-purges.js';
import { importsMigration } from './0016-imports.js';
import { grantsMigration } from './0017-grants.js';
import { tokenExpiryMigration } from './0018-token-expiry.js';
import { oidcSessionsMigration } from './0019-oidc-sessions.js';
import { protectedApprovalsMigration } from './0020-protected-approvals.js';

export type MigrationFactory = (caps: DialectCaps) => Migration;

/** Other modules append their migrations here, in order. */
export const MIGRATIONS: Array<[string, MigrationFactory]> = [
  ['0001-registry', registryMigration],
  ['0002-gateway', gatewayMigration],
  ['0003-mlflow', mlflowMigration],
  ['0004-monitoring', monitoringMigration],
  ['0005-promotion', promotionMigration],
  ['0006-monitoring-segments', monitoringSegmentsMigration],
  ['0007-monitoring-sources', monitoringSourcesMigration],
  ['0008-replica-acks', replicaAcksMigration],
  ['0009-gateway-prepares', gatewayPreparesMigration],
  ['0010-monitoring-sheds', monitoringShedsMigration],
  ['0011-logged-models', loggedModelsMigration],
  ['0012-mlflow-webhooks', mlflowWebhooksMigration],
  ['0013-protected-models', protectedModelsMigration],
  ['0014-version-python', versionPythonMigration],
  ['0015-version-purges', versionPurgesMigration],
  ['0016-imports', importsMigration],
  ['0017-grants', grantsMigration],
  ['0018-token-expiry', tokenExpiryMigration],
  ['0019-oidc-sessions', oidcSessionsMigration],
  ['0020-protected-approvals', protectedApprovalsMigration],
];

export function migrationProvider(caps: DialectCaps): MigrationProvider {
  return {
    async getMigrations() {
      return Object.fromEntries(MIGRATIONS.map(([name, make]) => [name, make(caps)]));
    },
  };
}
