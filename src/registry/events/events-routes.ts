// The audit log over HTTP: paged queries and a server-sent event stream.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, EventSchema, Int8Id, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import type { FastifyRequest } from 'fastify';
import { eventFor } from './event-redaction.js';
import { eventTypesMatching } from './events.js';
import { listEvents, parseTime } from './events-service.js';
import { OpenStreams, streamEvents } from './events-stream.js';

/**
 * `modelId` answers the id of the live model with that name (or throws not found). It is passed in
 * by registry-routes.ts because models sit above events: every module appends events, so events
 * imports none of them. `fullUrls` answers whether the request's principal sees URLs in event
 * details whole (admins; see event-redaction.ts), for the same reason.
 */
export function eventsRoutes(
  app: App,
  deps: Deps,
  modelId: (name: string) => Promise<string>,
  fullUrls: (req: FastifyRequest) => boolean,
  /** Which events the request's principal may see, by their model (per-model grants; passed in for the same reason). */
  visibleTo: (req: FastifyRequest) => (model: string | null) => boolean,
): void {
  const streams = new OpenStreams({ perToken: deps.config.streamsPerToken, perAddress: deps.config.streamsPerAddress });
  // preClose runs before the HTTP server stops accepting and waits for open responses.
  app.addHook('preClose', async () => streams.endAll());
  app.get(
    '/api/v1/events',
    {
      config: { permission: 'follow', model: { list: true, query: 'model' } },
      schema: {
        tags: ['events'],
        summary: 'The audit log, newest first (order=asc for oldest first), filtered and cursor-paged',
        querystring: Type.Object({
          model: Type.Optional(Type.String()),
          type: Type.Optional(Type.String({ description: 'comma-separated event types, or domains such as version.*' })),
          since: Type.Optional(Type.String()),
          until: Type.Optional(Type.String()),
          cursor: Type.Optional(Int8Id({ minimum: 0 })),
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ events: Type.Array(EventSchema), next_cursor: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listEvents(deps, {
        modelId: q.model ? await modelId(q.model) : undefined,
        types: typeFilter(q.type) ?? undefined,
        sinceMs: parseTime(q.since, 'since'),
        untilMs: parseTime(q.until, 'until'),
        cursor: q.cursor,
        order: q.order,
        limit: q.limit,
      }, visibleTo(req));
      const full = fullUrls(req);
      return { ...page, events: page.events.map((e) => eventFor(e, full)) };
    },
  );

  app.get(
    '/api/v1/events/stream',
    {
      config: { permission: 'follow', model: { list: true, query: 'model' } },
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: every change as it commits (resume with Last-Event-ID or ?after=)',
        querystring: Type.Object({
          model: Type.Optional(Type.String()),
          type: Type.Optional(Type.String({ description: 'comma-separated event types, or domains such as guard.*' })),
          after: Type.Optional(Int8Id({ minimum: 0 })),
        }),
      },
    },
    (req, reply) => {
      // Checked before the stream opens, so a typo is a 400 and not a stream that stays silent.
      const types = typeFilter(req.query.type);
      streamEvents(deps, streams, req, reply, types && new Set(types), fullUrls(req), visibleTo(req));
    },
  );
}

/** The event types a `type` parameter selects, checked; null when it selects every event (absent or `*`). */
function typeFilter(list: string | undefined): string[] | null {
  const patterns = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const types = eventTypesMatching(patterns, 'type');
  return patterns.length === 0 || patterns.includes('*') ? null : types;
}
