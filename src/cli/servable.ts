// The warning a person needs before promoting a version nothing can serve. The registry decides at
// registration which runtime a version's files call for (versions-service.ts: a .onnx file -> onnx,
// an endpoint_url -> http, an MLflow python_function model -> python) and records it as `runtime`;
// the gateway refuses a version with none (source.ts, NotServable). So the CLI reads the server's
// field instead of re-deriving the rule from file names.
import type { Version } from '../../sdk/client.js';
import type { Output } from './cli-io.js';

/** Why no gateway can serve `v`, or null when one can. */
export function unservableReason(v: Version): string | null {
  if (v.status !== 'READY') return `it is ${v.status}, not READY`;
  if (v.runtime === null) return 'it has no .onnx file, no MLflow model directory (MLmodel with a python_function flavor) and no endpoint_url';
  return null;
}

/** Prints the warning on stderr (never in --json stdout); `when` says what happens next. */
export function warnIfUnservable(out: Output, v: Version, when: string): void {
  const why = unservableReason(v);
  if (why) out.note(`warning: ${v.name} version ${v.version} cannot be served: ${why}. ${when}`);
}
