// A standalone replica whose token the registry refuses (revoked: 401; role too low: 403) cannot
// follow moves or report what it serves — it keeps serving what it had, and the registry can only
// see it go silent. So the replica says so loudly (error level, at once and then once a minute while
// it lasts) and tells the registry at its next successful contact (the heartbeat's `rejection`),
// where `stagecraft status` shows it. Every call to the registry goes through fetch(), so nothing
// refused escapes notice.
import type { Logger } from '../../../log.js';
import type { ReplicaRejection } from '../../replicas/replicas-service.js';

/** While the rejection lasts, how often it is logged again at error level. */
const RELOG_MS = 60_000;

export class RejectionLog {
  private current: ReplicaRejection | null = null;
  private loggedAt = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fetch that notes every 401/403 the registry answers, for the SDK client (ClientOptions.fetch). */
  watch(inner?: typeof globalThis.fetch): typeof globalThis.fetch {
    return async (input, init) => {
      const res = await (inner ?? globalThis.fetch)(input, init);
      if (res.status === 401 || res.status === 403) {
        const req = input instanceof Request ? input : null;
        const url = new URL(req ? req.url : String(input));
        this.note(res.status, `${req?.method ?? init?.method ?? 'GET'} ${url.pathname}`);
      }
      return res;
    };
  }

  note(status: number, what: string): void {
    const at = new Date(this.now()).toISOString();
    const message = `the registry answered ${status} to ${what}: ${status === 401 ? 'this replica\'s token is unknown or revoked' : 'this replica\'s token lacks the role'}`;
    const first = this.current === null;
    this.current = first
      ? { status, message, first_at: at, last_at: at, count: 1 }
      : { ...this.current!, status, message, last_at: at, count: this.current!.count + 1 };
    if (first || this.now() - this.loggedAt >= RELOG_MS) {
      this.loggedAt = this.now();
      this.log.error(
        { status, call: what, since: this.current.first_at, rejected: this.current.count },
        'the registry rejects this gateway replica: it cannot follow moves or report what it serves, and status counts it unknown; give it a valid token',
      );
    }
  }

  /** The rejection to report with the next heartbeat (null: none since the last report). */
  pending(): ReplicaRejection | null {
    return this.current;
  }

  /** The registry accepted a heartbeat carrying `reported`: that episode is told (one grown since is told again, whole). */
  delivered(reported: ReplicaRejection | null): void {
    if (reported && this.current?.first_at === reported.first_at && this.current.count === reported.count) this.current = null;
  }
}
