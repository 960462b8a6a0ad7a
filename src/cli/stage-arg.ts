// One reading of a stage for every command and option that takes one: any case, and `prod` for
// Production (what people type), so `--stage production` means the same on every command. A typo is
// a usage error (exit 2) naming the stages, before any request is sent.
import { InvalidArgumentError } from 'commander';

const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
type StageName = (typeof STAGES)[number];

/** Short spellings people use for the serving stages (GTO's and most CI tools' names). */
const SHORT: Record<string, StageName> = { prod: 'Production', stage: 'Staging' };

export const STAGE_HELP = 'None, Staging, Production or Archived (any case; prod = Production)';

/** A commander parser: `production`, `PRODUCTION`, `prod` -> `Production`. */
export function stageArg(value: string): StageName {
  const key = value.trim().toLowerCase();
  const found = STAGES.find((s) => s.toLowerCase() === key) ?? SHORT[key];
  if (!found) throw new InvalidArgumentError(`"${value}" is not a stage; use ${STAGE_HELP}`);
  return found;
}

/** `--stages Production,staging` -> ['Production', 'Staging']; "none" -> [] (require no approval). */
export function stageListArg(value: string): string[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(stageArg);
}
