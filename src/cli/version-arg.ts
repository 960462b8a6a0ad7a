// One reading of "which version" for every command that takes one: a number, a label, a stage,
// `latest`, `@alias`, or a whole models:/ URI in place of MODEL VERSION. Anything but a number is
// resolved by the server (GET /api/v1/resolve), so the CLI, the SDK, bindings and the gateway read a
// reference the same way (src/registry/versions/models-uri.ts); a number is sent as is, so commands
// on a deleted version (purge) still reach it.
import type { StagecraftClient } from '../../sdk/client.js';
import { CliError, EXIT } from './cli-errors.js';

export const VERSION_HELP = 'a version number, label, stage, latest or @alias';
export const VERSION_OR_URI_HELP = `${VERSION_HELP} (omit it when MODEL is a models:/ URI)`;
export const MODEL_OR_URI_HELP = 'a model name, or a models:/ URI naming the version (models:/fraud/2, models:/fraud/Production, models:/fraud@champion)';

const isUri = (s: string) => s.trim().startsWith('models:');

/** The models:/ URI that REF means within MODEL. */
function uriOf(model: string, ref: string): string {
  if (isUri(ref)) return ref;
  return ref.startsWith('@') ? `models:/${model}${ref}` : `models:/${model}/${ref}`;
}

/** The model a models:/ URI names (models:/NAME/x, models:/NAME@alias), or null if unreadable (the server then says why). */
function uriModel(uri: string): string | null {
  const body = /^models:\/+(.*)$/.exec(uri)?.[1] ?? '';
  const name = body.includes('/') ? body.slice(0, body.indexOf('/')) : body.includes('@') ? body.slice(0, body.lastIndexOf('@')) : '';
  return name || null;
}

/** VERSION (any form above) of MODEL as a number; a URI naming another model is a usage error. */
export async function resolveVersion(sc: StagecraftClient, model: string, ref: string): Promise<number> {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    if (Number(text) < 1) throw new CliError(`"${ref}" is not a version: versions are numbered from 1`, EXIT.usage);
    return Number(text);
  }
  if (!text) throw new CliError(`a version is needed: ${VERSION_HELP}, or a models:/ URI`, EXIT.usage);
  const named = isUri(text) ? uriModel(text) : model;
  if (named !== null && named !== model) throw new CliError(`${ref} names model "${named}", not "${model}"`, EXIT.usage);
  const r = await sc.resolve(uriOf(model, text));
  if (r.name !== model) throw new CliError(`${ref} names model "${r.name}", not "${model}"`, EXIT.usage);
  return r.version;
}

/** `MODEL VERSION` or one `models:/…` URI, as positional arguments: the model and its version number. */
export async function versionTarget(sc: StagecraftClient, modelOrUri: string, ref: string | undefined): Promise<{ model: string; version: number }> {
  if (isUri(modelOrUri)) {
    if (ref !== undefined) throw new CliError(`give MODEL VERSION or one models:/ URI, not both ("${modelOrUri}" and "${ref}")`, EXIT.usage);
    const r = await sc.resolve(modelOrUri);
    return { model: r.name, version: r.version };
  }
  if (ref === undefined) throw new CliError(`which version of ${modelOrUri}? Give ${VERSION_HELP}, or one models:/ URI instead of MODEL`, EXIT.usage);
  return { model: modelOrUri, version: await resolveVersion(sc, modelOrUri, ref) };
}
