// How a message names this CLI so that pasting the command works: run through npm in a checkout
// (`npx stagecraft`, `npm run demo`: npm sets npm_command), `npx stagecraft` works there; otherwise
// it was found as `stagecraft` (npm link, a global install, or the README's alias).
export function selfName(env: Record<string, string | undefined>): string {
  return env.npm_command ? 'npx stagecraft' : 'stagecraft';
}
