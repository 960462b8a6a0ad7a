// The kernel's public surface: what the extensions, the gateway and the composition root may use.
// Services (never stores: every write goes through a service, with its transaction and its event),
// the read models, the domain types and rules, Deps and the promotion-check contract, and auth's
// actorOf. Anything not exported here is the kernel's own business and may change without notice.

// Wiring: what every service is given, and the kernel's routes.
export { randomIds, systemClock, type Clock, type Deps, type Ids, type MoveCoordinator, type PlannedMove, type PrepareReport, type ReplicaPhase, type PromotionAttempt, type PromotionCheck, type ProtectedChange, type TransitionInput, type UriResolver, type BlobReferences, type ModelTransferPart } from './deps.js';
export { holdBlobs } from './blob-guard.js';
export { registerRegistry } from './registry-routes.js';
export { EventFeed } from './events/event-feed.js';
export { redactUrl } from './events/event-redaction.js';

// Events: the audit log and change feed. Every state change commits with its event.
export { commit, lastEventId, listEvents, modelEvents, type Append } from './events/events-service.js';
export {
  aliasTarget,
  EVENT_TYPES,
  eventTypesMatching,
  matchesEventPattern,
  stageTarget,
  type EventType,
  type RegistryEvent,
} from './events/events.js';

// Models.
export {
  createModel,
  deleteModel,
  findModel,
  getModel,
  removeModelTag,
  renameModel,
  requireModel,
  setModelTag,
  updateModel,
} from './models/models-service.js';
export { type ModelRow } from './models/models.js';

// Versions.
export {
  createVersion,
  deleteVersion,
  getManifest,
  listVersions,
  loadVersion,
  loadVersionView,
  markHealth,
  removeVersionTag,
  requireVersion,
  setVersionTag,
  updateVersion,
} from './versions/versions-service.js';

export { storeBlob } from './versions/blobs-service.js';
export { collectGarbage } from './gc/gc-service.js';
export { mlflowModelRoot, type PythonModelInfo } from './versions/mlmodel.js';
export { PYTHON_TAG } from './versions/versions-view.js';

export { parseModelsUri, resolveRef } from './versions/models-uri.js';
export { modelWithPointers } from './model-view-read.js';
export { aliasedVersionWithPointers, latestPerStageWithTags, stageTopWithPointers, versionWithPointers, type LatestVersionRow, type VersionWithPointers } from './versions/version-view-reads.js';
export {
  canonicalStage,
  manifestDigest,
  SERVING_STAGES,
  STAGES,
  validateAlias,
  type Health,
  type ManifestEntry,
  type Stage,
  type VersionRow,
} from './versions/versions.js';

// Targets: stage and alias moves, rollback, history, and the one last-known-good rule.

export { transitionStage } from './targets/stages-service.js';
export { deleteAlias, setAlias } from './targets/aliases-service.js';
export { GUARD_CANDIDATES, rollback } from './targets/rollback.js';
export { isProtected } from './targets/protected.js';

export { currentHolder, holdings, previousHolders } from './targets/holders.js';

// Read models: the joins across kernel tables, for reads no single module answers.
export {
  aliasesOfModels,
  findNamedVersion,
  latestPerStage,
  liveVersionFiles,
  namedVersionsByIds,
  servingPointers,
  tagsAndAliasesOfModels,
  tagsOfVersions,
  withModelNames,
  type NamedVersion,
} from './read-models.js';
// Filterable searches: the conditions a door with its own filter grammar (MLflow's) translates into.
export {
  filterModels,
  filterVersions,
  type FilteredVersionSearch,
  type FilterOp,
  type ModelSearch,
} from './read-models-search.js';

// Tokens and auth.
export { actorOf, requestMay } from './tokens/auth.js';
// Per-model grants: the checks a door that parses its own input runs itself, and the list filter.
export { checkNewModelName, globalRoleOf, modelAccess, readableBy } from './grants/grants-access.js';
export { grantsApi } from './grants/grants-api.js';
export { type Grant, type GrantRole } from './grants/grants.js';
export { hasActiveTokens } from './tokens/tokens-service.js';
export { type Permission } from './tokens/tokens.js';

// Model archives (`stagecraft export` / `import`): the format, for tools that build or read one (`gto`).
export { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, blobEntry, MODEL_ENTRY, parseModelArchive, type ArchiveEvent, type ArchiveVersion, type ModelArchive } from './transfer/archive-format.js';
