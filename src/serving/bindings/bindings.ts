// Bindings: which serving target a model's gateway traffic follows. The default is the Production
// stage (its highest live version); a binding can name another serving stage or an alias.
import { invalid } from '../../errors.js';
import { SERVING_STAGES, aliasTarget, canonicalStage, stageTarget, validateAlias } from '../../registry/index.js';

export interface BindingInput {
  stage?: string;
  alias?: string;
}

export function parseBindingInput(input: BindingInput): string {
  if (input.stage && input.alias) throw invalid('bind to a stage or an alias, not both');
  if (input.alias) return aliasTarget(validateAlias(input.alias));
  if (!input.stage) throw invalid('give a stage (e.g. "Production") or an alias (e.g. "champion") to bind to');
  const stage = canonicalStage(input.stage);
  if (!(SERVING_STAGES as string[]).includes(stage)) {
    throw invalid(`cannot serve from stage ${stage}; bind to ${SERVING_STAGES.join(' or ')} or to an alias`);
  }
  return stageTarget(stage);
}

/** 'stage:Production' -> { kind: 'stage', name: 'Production' }. */
export function splitBinding(binding: string): { kind: 'stage' | 'alias'; name: string } {
  const colon = binding.indexOf(':');
  const kind = binding.slice(0, colon);
  if (kind !== 'stage' && kind !== 'alias') throw invalid(`malformed binding "${binding}"`);
  return { kind, name: binding.slice(colon + 1) };
}
