// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistryEvent } from '../types';
import { describeEvent, TimelineItem } from './Timeline';

const event = (over: Partial<RegistryEvent>): RegistryEvent => ({
  id: 1,
  time: new Date().toISOString(),
  time_ms: Date.now(),
  actor: 'alice',
  model: 'fraud',
  version: null,
  type: 'model.created',
  target: null,
  from: null,
  to: null,
  reason: null,
  details: {},
  ...over,
});

describe('timeline entries', () => {
  afterEach(cleanup);

  it('say what moved from where to where', () => {
    expect(describeEvent(event({ type: 'rollback', target: 'stage:Production', from: '3', to: '2', version: 2 }))).toBe('Rolled back Production: v3 → v2');
    expect(describeEvent(event({ type: 'rollback.prepare_failed', target: 'stage:Production', from: '3', to: '2', version: 2 }))).toBe(
      'Rollback of Production to v2 refused: not every replica could load it',
    );
    expect(describeEvent(event({ type: 'version.stage_changed', version: 4, from: 'Staging', to: 'Production' }))).toBe('v4 moved Staging → Production');
    expect(describeEvent(event({ type: 'alias.set', target: 'alias:champion', from: null, to: '5' }))).toBe('@champion none → v5');
    expect(describeEvent(event({ type: 'widget.reticulated', version: 7 }))).toBe('Widget reticulated (v7)');
  });

  it('mark the guard and rollouts as automatic and people as manual, with who and why', () => {
    render(
      <ol>
        <TimelineItem e={event({ id: 1, type: 'rollback', actor: 'guard', target: 'stage:Production', from: '2', to: '1', reason: 'recall below 0.8' })} />
        <TimelineItem e={event({ id: 2, type: 'rollback', actor: 'bob', target: 'stage:Production', from: '3', to: '2', reason: 'p99 doubled' })} />
      </ol>,
    );
    const [guard, bob] = screen.getAllByRole('listitem');
    expect(guard.textContent).toContain('automatic');
    expect(guard.textContent).toContain('by guard');
    expect(guard.textContent).toContain('recall below 0.8');
    expect(bob.textContent).toContain('manual');
    expect(bob.textContent).not.toContain('automatic');
    expect(bob.textContent).toContain('p99 doubled');
  });
});
