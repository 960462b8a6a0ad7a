// The contract every extension implements. The kernel (registry/) knows none of them; server.ts
// collects them, in one list, and hands each what the others contribute — the observers every
// gateway reports to, the followers every gateway runs, the checks every promotion passes.
// Nothing here mutates deps: buildServer gives the kernel a Deps with the collected checks.
import type { App } from './http/app-types.js';
import type { Logger } from './log.js';
import type { BlobReferences, Deps, ModelTransferPart, MoveCoordinator, PromotionCheck, RegistryEvent, UriResolver } from './registry/index.js';
import type { GatewayFollower } from './serving/gateway/follower.js';
import type { InferenceObserver } from './serving/gateway/observer.js';

/** What an extension's routes are registered with: the deps and what every extension contributed. */
export interface ExtensionContext {
  deps: Deps;
  /** Every extension's observers: the embedded gateway and the replica intake report to all of them. */
  observers: readonly InferenceObserver[];
  /** Every extension's gateway followers, for the embedded gateway. */
  followers: readonly GatewayFollower[];
  /** Events that bring a gateway that starts late up to date with every extension's running work. */
  restoreEvents(): Promise<RegistryEvent[]>;
}

/** How a standalone replica's part of an extension reaches the registry it follows. */
export interface ReplicaLink {
  post(path: string, body: unknown): Promise<void>;
  log: Logger;
  flushMs: number;
}

/** An extension's share of a standalone replica: followers and observers, with their own background work. */
export interface ReplicaPart {
  followers?: GatewayFollower[];
  observers?: InferenceObserver[];
  start?(): void;
  stop?(): Promise<void>;
}

export interface Extension {
  /** Unique; names the extension in logs and in server.ts's list. */
  readonly name: string;
  /** Routes and hooks, registered after the kernel's routes, in list order. */
  routes?(app: App, ctx: ExtensionContext): void | Promise<void>;
  /** Checks a version passes before it enters a serving stage (lower `order` first). */
  readonly promotionChecks?: readonly PromotionCheck[];
  /** Prepares every move of a served target on the replicas before it commits, and confirms it after. */
  readonly moveCoordinator?: MoveCoordinator;
  /** Resolvers of this extension's own model URIs (GET /api/v1/resolve asks them before the kernel's grammar). */
  readonly uriResolvers?: readonly UriResolver[];
  /** What this extension's tables reference in the blob store: gc never frees those bytes. */
  readonly blobReferences?: readonly BlobReferences[];
  /** Its per-model settings, carried in a model's export archive (`stagecraft export` / `import`). */
  readonly modelTransfer?: ModelTransferPart;
  /** Observers of every inference served, embedded or by a replica (called on the request path). */
  readonly observers?: readonly InferenceObserver[];
  /** Told every registry event the embedded gateway applies (canary splits, shadow mirrors). */
  readonly gatewayFollowers?: readonly GatewayFollower[];
  /** The events a gateway that starts now must replay to obey this extension's running work. */
  restoreEvents?(deps: Deps): Promise<RegistryEvent[]>;
  /** This extension's share of a standalone replica (`stagecraft gateway`). */
  replica?(link: ReplicaLink): ReplicaPart;
  /** Background work, started once the app is ready (after every route is registered). */
  start?(deps: Deps): void | Promise<void>;
  /** Called on shutdown after the HTTP server stopped accepting and drained, in reverse list order. */
  close?(): Promise<void>;
}
