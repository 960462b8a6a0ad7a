// CLI exit codes: 0 ok; 1 refused by the server or bad input; 2 usage; 3 server unreachable.
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
