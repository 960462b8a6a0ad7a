// What every service of the kernel and its extensions is given: the real things, wired once by
// createDeps (src/deps.ts). Defined in the kernel so it depends on nothing outside it; extensions
// add behaviour through server.ts's Extension list, never by adding fields here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Config } from '../config.js';
import type { DialectCaps } from '../db/dialect.js';
import type { Database, Db } from '../db/tables.js';
import type { Logger } from '../log.js';
import type { EventFeed } from './events/event-feed.js';
import type { Stage, VersionRow } from './versions/versions.js';
// Every kernel table wherever Deps (and so Kysely<Database>) is in the program: each module declares
// its tables beside its store, merged into Database, and its domain file brings them in
// (events through event-feed.ts, versions through versions.ts above).
import type {} from './models/models.js';
import type {} from './targets/targets.js';
import type {} from './tokens/tokens.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface Ids {
  uuid(): string;
  /** A high-entropy secret for API tokens. */
  secret(): string;
}

export interface Deps {
  config: Config;
  db: Kysely<Database>;
  caps: DialectCaps;
  pgPool?: pg.Pool;
  blobs: BlobStore;
  clock: Clock;
  ids: Ids;
  log: Logger;
  feed: EventFeed;
  /** Checks a version must pass before it enters a serving stage, collected from the extensions by buildServer. */
  promotionChecks: readonly PromotionCheck[];
  /** What prepares and confirms every move of a served target on the replicas (targets/phases.ts), collected by buildServer. */
  moveCoordinators: readonly MoveCoordinator[];
  /** Resolvers of URIs an extension defines beside the kernel's models:/ grammar (MLflow's models:/m-<id>), collected by buildServer. */
  uriResolvers: readonly UriResolver[];
  /** What each extension's tables reference in the blob store (gc frees only what none does), collected by buildServer. */
  blobReferences: readonly BlobReferences[];
  /** Extensions' per-model settings that travel in a model archive (registry/transfer/), collected by buildServer. */
  modelTransfers: readonly ModelTransferPart[];
  close(): Promise<void>;
}

export interface TransitionInput {
  stage: string;
  archive_existing_versions?: boolean;
  reason?: string;
  /** Move even a version marked failed: an admin override, with a reason (the route checks the role). */
  force?: boolean;
  /**
   * Precondition: the version the caller saw holding the stage the version enters (for a move to None
   * or Archived, the stage it leaves); null: it saw the stage empty. 409 when that changed.
   */
  expected_version?: number | null;
  /** Set by in-process callers that cleared a promotion check (an approved request, an admin override); never from a request body. */
  clearance?: Record<string, unknown>;
}

/**
 * A version about to enter a serving target, as the promotion checks see it. `stage` is the stage
 * whose rules apply: the stage itself, or Production for an alias (anything can serve from an alias).
 */
export interface PromotionAttempt {
  actor: string;
  model: { id: string; name: string };
  row: VersionRow;
  stage: Stage;
  /** The target moved: 'stage:Production', 'alias:champion'. */
  target: string;
  /** How: a transition, a rollback to a version that never held the target, or an alias move. */
  via: 'transition' | 'rollback' | 'alias';
  input: TransitionInput;
}

/**
 * A check that must pass before a version enters a serving stage (validation gates, approvals).
 * It refuses by throwing an AppError naming what failed. Extensions declare theirs (Extension.promotionChecks)
 * and buildServer collects them into deps.promotionChecks; lower `order` runs first. A rollback to a
 * version that held the target before does not consult them (it passed them when it first entered;
 * a bad model must not wait); a rollback to any other version, and an alias move, do (targets/entry.ts).
 * Defined here, beside the Deps that carries the checks and that each
 * check is given, so the two are one definition and no import cycle (targets/promotion-checks.ts runs them).
 */
export interface PromotionCheck {
  name: string;
  order: number;
  check(deps: Deps, attempt: PromotionAttempt): Promise<void>;
  /**
   * A person's change of Production on a protected model (targets/protected.ts): hold it for a second
   * deployer's approval by throwing (409 naming the pending request), or let it through (it carries
   * the clearance of an approved request). The guard's automatic rollback never comes here.
   */
  protectedChange?(deps: Deps, change: ProtectedChange): Promise<void>;
}

/** A change of what Production serves on a protected model, asked by a person (not the guard). */
export interface ProtectedChange {
  actor: string;
  model: { id: string; name: string };
  /** A transition into or out of Production, or a rollback of Production. */
  kind: 'transition' | 'rollback';
  /** The version that moves (transition) or the rollback's destination. */
  version: number;
  /** Where that version goes: the stage of a transition; Production for a rollback. */
  stage: Stage;
  /** The version it moves from: the holder a rollback replaces; the version's own stage for a transition is `from_stage`. */
  from_version: number | null;
  from_stage: string;
  reason: string | null;
  archive_existing_versions: boolean;
  /** Set in-process by an approved request; never from a request body. */
  clearance?: Record<string, unknown>;
}

/** A move of a served target about to commit: the destination every replica must load first. */
export interface PlannedMove {
  actor: string;
  model: { id: string; name: string };
  /** 'stage:Production', 'alias:champion'. */
  target: string;
  from: number | null;
  to: number;
  /** What moves it: a rollback (a person's or the guard's), a transition, an alias move. */
  cause: 'rollback' | 'transition' | 'alias';
}

/**
 * One replica's part in a move. prepare: `ready` (the destination is loaded and warm beside the
 * current version), `failed` (it said why it cannot), `timeout` (no answer before the deadline),
 * `not_asked` (it missed heartbeats: not live, so not waited for; status shows it unknown),
 * `silent` (it stopped heartbeating while asked: no longer waited for; status shows it unknown).
 * confirm (after the commit): `serving` once it reported serving the destination, `unconfirmed`
 * when the deadline passed first, null when there was nothing to confirm.
 */
export interface ReplicaPhase {
  replica_id: string;
  /** The target this replica serves and was asked to move. */
  target: string;
  prepare: 'ready' | 'failed' | 'timeout' | 'not_asked' | 'silent';
  prepare_ms: number | null;
  confirm: 'serving' | 'unconfirmed' | null;
  confirm_ms: number | null;
  reason: string | null;
}

export interface PrepareReport {
  /** Every live replica is ready: the move may commit. */
  ok: boolean;
  replicas: ReplicaPhase[];
}

/**
 * Prepares a move on the replicas that serve its target and confirms them after the commit
 * (serving/ implements it; the kernel only runs it). `prepare` never throws for a replica's
 * failure: it reports it. `confirm` fills in each ready replica's confirm fields.
 */
export interface MoveCoordinator {
  prepare(deps: Deps, move: PlannedMove, deadlineMs: number): Promise<PrepareReport>;
  confirm(deps: Deps, move: PlannedMove, eventId: number, replicas: ReplicaPhase[], deadlineMs: number): Promise<void>;
}

/**
 * Resolves a URI the kernel's models:/ grammar does not know to the registered version it means now
 * (GET /api/v1/resolve asks these first). Returns null when the URI is not its kind; throws an
 * AppError (not_found, …) when it is but resolves to nothing. Extensions declare theirs (Extension.uriResolvers).
 */
export interface UriResolver {
  resolve(deps: Deps, uri: string): Promise<{ name: string; version: number } | null>;
}

/**
 * One module's references to stored blobs. Garbage collection frees only bytes no owner references,
 * and asks each owner instead of reading its tables: the kernel declares its versions' files
 * (deleted versions' too, until purged), extensions theirs (Extension.blobReferences). The contract
 * an owner keeps: a reference to bytes it did not put moments ago is recorded in a transaction that
 * called holdBlobs (which re-checks the bytes under gc's lock); one recorded right after a put is
 * covered by the grace period gc spares freshly written blobs for.
 */
export interface BlobReferences {
  /** Names the owner in the gc report ('versions', 'mlflow artifacts', 'gates'). */
  owner: string;
  /** Every sha256 it references now (repeats allowed). */
  all(db: Db): Promise<Iterable<string>>;
  /** Which of `sha256s` it references now (gc asks a few hundred at a time). */
  among(db: Db, sha256s: readonly string[]): Promise<Iterable<string>>;
}

/**
 * An extension's per-model settings (observe's policy, gates, approvals) in and out of a model
 * archive (`stagecraft export` / `import`): the kernel never reads another module's tables, it asks
 * each part. `export` answers JSON (null: it keeps nothing for the model); `import` writes it for
 * the imported model inside the import's transaction, and refuses bad data with an AppError
 * (invalid_argument), which rolls the whole import back. Extensions declare theirs (Extension.modelTransfer).
 */
export interface ModelTransferPart {
  /** Its section's key in the archive: the extension's name. */
  name: string;
  export(db: Db, model: { id: string; name: string }): Promise<unknown>;
  import(db: Db, model: { id: string; name: string }, data: unknown, ctx: { actor: string; now: number }): Promise<void>;
  /**
   * The blobs its exported data names (gates: the holdout dataset): the export carries them beside
   * the versions' files, and an import refuses data naming bytes that are neither in the archive
   * nor already stored here.
   */
  blobs?(data: unknown): string[];
}

export const systemClock: Clock = { now: () => Date.now() };

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  secret: () => `sc_${randomBytes(24).toString('base64url')}`,
};
