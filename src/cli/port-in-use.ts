// A taken port is a person's everyday mistake (a second `stagecraft server`, the demo left running),
// not a crash: one line naming the port and the fix, exit 2, no stack trace.
import { CliError, EXIT } from './cli-errors.js';

/** Whether `err` is Node's "address already in use" from listen(). */
function isAddressInUse(err: unknown): err is NodeJS.ErrnoException & { port?: number; address?: string; flag?: string } {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/**
 * Runs `listen`; a taken port becomes a usage error saying `fix` (e.g. "--port N or STAGECRAFT_PORT=N")
 * after `cleanup` released what was opened before it. Other errors pass through unchanged.
 */
export async function listenOrExplain<T>(listen: () => Promise<T>, fix: string, cleanup?: () => Promise<void>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    await cleanup?.().catch(() => undefined);
    const where = err.address ? ` on ${err.address}` : '';
    // A second listener (the gRPC port) names its own flag on the error.
    throw new CliError(`port ${err.port ?? '?'}${where} is already in use (another Stagecraft, or another program); stop it, or choose another port with ${err.flag ?? fix}`, EXIT.usage);
  }
}
