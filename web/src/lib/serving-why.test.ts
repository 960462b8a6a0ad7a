// @vitest-environment jsdom
// The version page's verdict from what the API tells: each cause in words, and the next step.
import { describe, expect, it } from 'vitest';
import type { RegistryEvent, Version } from '../types';
import { bindingName, servingVerdict, unservableReason, type ServingStatusBody } from './serving-why';

const version = (over: Partial<Version> = {}) =>
  ({ name: 'fraud', version: 2, stage: 'None', aliases: [], status: 'READY', runtime: null, endpoint_url: null, health: 'unknown', health_reason: null, ...over }) as Version;
const replica = (over: Partial<ServingStatusBody['replicas'][number]> = {}) =>
  ({ replica_id: 'r1', version: 1, state: 'serving', error: null, why: null, acknowledged: true, feed_position: 1, last_heartbeat: '', last_rejection: null, unknown_reason: null, url: null, ...over }) as ServingStatusBody['replicas'][number];
const status = (target: number | null, replicas: ServingStatusBody['replicas']) => ({ model: 'fraud', binding: 'stage:Production', target_version: target, converged: true, move_event_id: null, replicas }) as ServingStatusBody;
const event = (type: string, time_ms: number, over: Partial<RegistryEvent> = {}) =>
  ({ id: time_ms, type, time_ms, time: new Date(time_ms).toISOString(), version: 2, actor: 'ana', reason: null, target: 'stage:Production', details: {}, model: 'fraud', from: null, to: null, ...over }) as RegistryEvent;

describe('serving verdict', () => {
  it('names bindings as a person would', () => {
    expect(bindingName('stage:Production')).toBe('Production');
    expect(bindingName('alias:champion')).toBe('the alias champion');
  });

  it('knows what a runtime can serve, as the gateway does', () => {
    expect(unservableReason({ runtime: null, endpoint_url: null }, ['model.onnx'])).toBeNull();
    expect(unservableReason({ runtime: null, endpoint_url: null }, ['m/MLmodel', 'm/model.pkl'])).toBeNull();
    expect(unservableReason({ runtime: 'http', endpoint_url: null }, [])).toContain('no endpoint_url');
    expect(unservableReason({ runtime: null, endpoint_url: null }, ['weights.bin'])).toContain('nothing servable in its files (weights.bin)');
  });

  it('says where it serves when a replica serves it', () => {
    const v = servingVerdict({ version: version({ version: 1, stage: 'Production' }), paths: ['model.onnx'], status: status(1, [replica()]), events: [] });
    expect(v.state).toBe('serving');
    expect(v.headline).toBe('Serving as Production on 1 replica: r1.');
  });

  it('a servable version outside the served stage: where it is, and the command that serves it', () => {
    const v = servingVerdict({ version: version(), paths: ['model.onnx'], status: status(1, [replica()]), events: [] });
    expect(v.state).toBe('not-serving');
    expect(v.reasons).toEqual(['Gateways serve Production, which holds v1; this version is in no stage.']);
    expect(v.next?.command).toBe('stagecraft models transition-version --model-name fraud --version 2 --stage Production');
  });

  it('the target that failed to load: the files, the gateway’s reason, no promote command', () => {
    const v = servingVerdict({
      version: version({ stage: 'Production' }),
      paths: ['weights.bin'],
      status: status(2, [replica({ version: null, state: 'failed', error: 'version 2 is not servable here' })]),
      events: [event('gateway.load_failed', 1000, { reason: 'version 2 is not servable here', actor: 'gateway:r1' })],
    });
    expect(v.reasons[0]).toContain('nothing servable in its files');
    expect(v.reasons[1]).toBe('Replica r1 could not load it: version 2 is not servable here');
    // The audited failure says the same thing: not repeated.
    expect(v.reasons).toHaveLength(2);
    expect(v.next?.command).toBeUndefined();
  });

  it('a move whose prepare failed: asked, never landed', () => {
    const v = servingVerdict({ version: version(), paths: ['model.onnx'], status: status(null, [replica({ version: null })]), events: [event('move.prepare', 1000)] });
    expect(v.reasons.some((r) => r.includes('could not prepare it'))).toBe(true);
    const landed = servingVerdict({ version: version(), paths: ['model.onnx'], status: status(null, []), events: [event('move.prepare', 1000), event('version.stage_changed', 1001)] });
    expect(landed.reasons.some((r) => r.includes('could not prepare it'))).toBe(false);
  });

  it('no gateway at all, and a version marked failed', () => {
    const v = servingVerdict({ version: version({ health: 'failed', health_reason: 'recall 0.3' }), paths: ['model.onnx'], status: null, events: [] });
    expect(v.reasons).toContain('It is marked failed: recall 0.3. A rollback never picks it.');
    expect(v.reasons.at(-1)).toContain('No gateway reports this model');
    expect(v.next).toBeNull();
  });
});
