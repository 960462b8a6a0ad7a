import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { databaseRefusal, toErrorReply } from './error-handler.js';

/** What node-postgres throws: a DatabaseError with the SQLSTATE in `code` and a `severity`. */
const pgError = (code: string) => Object.assign(new Error('from postgres'), { code, severity: 'ERROR' });

describe('the error handler', () => {
  it('answers a value PostgreSQL refused (NUL byte, bad encoding, out of range) with 400, as a safety net', () => {
    for (const code of ['22021', '22P05', '22003', '22P02']) {
      expect(toErrorReply(pgError(code))).toMatchObject({ status: 400, code: 'invalid_argument' });
      expect(databaseRefusal(pgError(code))).toMatch(/refused by the database/);
    }
  });

  it('keeps a real server bug a 500, with its message hidden', () => {
    for (const err of [pgError('42P01'), pgError('23505'), new Error('boom'), Object.assign(new Error('x'), { code: '22021' })]) {
      expect(toErrorReply(err)).toEqual({ status: 500, code: 'internal', message: 'internal error; see the server log for this request id' });
    }
  });

  it('passes AppErrors through with their own status', () => {
    expect(toErrorReply(new AppError('too_large', 'upload exceeds the maximum size of 1 bytes'))).toMatchObject({ status: 413, code: 'too_large' });
  });
});
