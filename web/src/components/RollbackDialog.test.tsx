// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel, promote, registerVersion } from '../../../test/http';
import { renderWithServer, useListeningRegistry } from '../test-support';
import { RollbackDialog } from './RollbackDialog';
import { serverExtensions } from '../../../src/server';

describe.each(DATABASES)('RollbackDialog against a real registry on %s', (kind) => {
  // With approvals: a protected model's rollback opens a request the dialog reports.
  const r = useListeningRegistry(kind, { extensions: serverExtensions().pick('approvals') });
  afterEach(cleanup);

  async function modelInProduction(n: number) {
    const name = uniqueName('churn');
    await createModel(r.app, name);
    for (let i = 1; i <= n; i++) await registerVersion(r.app, name, { 'model.bin': `w ${name} ${i}` });
    for (let i = 1; i <= n; i++) await promote(r.app, name, i);
    return name;
  }

  function open(name: string, current: number) {
    const onClose = vi.fn();
    const onDone = vi.fn();
    renderWithServer(r.url, <RollbackDialog model={name} current={current} onClose={onClose} onDone={onDone} />);
    return { onClose, onDone };
  }

  it('is a labelled dialog that names the version it will go to, preferring a stable one', async () => {
    const name = await modelInProduction(3);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'stable' });
    open(name, 3);
    const dialog = screen.getByRole('dialog', { name: `Roll back ${name}` });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    await waitFor(() => expect(screen.getByTestId('rollback-plan').textContent).toContain('v3 back to v1'));
    expect(document.activeElement).toBe(screen.getByLabelText('Reason (required)'));
  });

  it('does not send a rollback without a reason', async () => {
    const name = await modelInProduction(2);
    const { onDone } = open(name, 2);
    await screen.findByTestId('rollback-plan');
    fireEvent.submit(screen.getByRole('button', { name: 'Roll back to v1' }).closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toContain('reason');
    expect(onDone).not.toHaveBeenCalled();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(2);
  });

  it('rolls back with the reason and reports the result', async () => {
    const name = await modelInProduction(2);
    const { onDone } = open(name, 2);
    await screen.findByTestId('rollback-plan');
    fireEvent.change(screen.getByLabelText('Reason (required)'), { target: { value: 'p99 doubled' } });
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to v1' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(onDone.mock.calls[0][0]).toMatchObject({ from_version: 2, to_version: 1, reason: 'p99 doubled' });
  });

  it("shows the server's message when Production moved since the dialog opened", async () => {
    const name = await modelInProduction(3);
    const { onDone } = open(name, 3);
    await screen.findByTestId('rollback-plan');
    // Someone else rolls back first: the dialog still believes v3 holds Production.
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'cli' })).status).toBe(200);
    fireEvent.change(screen.getByLabelText('Reason (required)'), { target: { value: 'late click' } });
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to v2' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/held by version 2, not 3/);
    expect(onDone).not.toHaveBeenCalled();
  });

  it('closes on Escape and keeps Tab focus inside the dialog', async () => {
    const name = await modelInProduction(2);
    const { onClose } = open(name, 2);
    await screen.findByTestId('rollback-plan');
    const submit = screen.getByRole('button', { name: 'Roll back to v1' });
    submit.focus();
    fireEvent.keyDown(submit, { key: 'Tab' });
    expect(document.activeElement).toBe(screen.getByLabelText('Reason (required)'));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(submit);
    fireEvent.keyDown(submit, { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });

  it('says a rollback of a protected model is pending approval, and how another deployer approves it', async () => {
    const name = await modelInProduction(2);
    await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true });
    const { onDone } = open(name, 2);
    await screen.findByTestId('rollback-plan');
    fireEvent.change(screen.getByLabelText('Reason (required)'), { target: { value: 'p99 doubled' } });
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to v1' }));
    const pending = await screen.findByTestId('rollback-pending');
    const id = (await call(r.app, 'GET', `/api/v1/approvals?model=${name}&status=pending`)).body.approvals[0].id;
    expect(pending.textContent).toContain(`Request ${id} is pending`);
    expect(pending.textContent).toContain(`stagecraft approvals approve ${id}`);
    expect(onDone).not.toHaveBeenCalled();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(2);
  });
});
