import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { toMlflowError } from './mlflow-errors.js';

describe("MLflow's error shape", () => {
  it('answers an upload over the size limit with 413, a refused value with 400, and a real bug with 500', () => {
    const tooLarge = toMlflowError(new AppError('too_large', 'upload exceeds the maximum size of 1 bytes'));
    expect([tooLarge.status, tooLarge.errorCode]).toEqual([413, 'RESOURCE_LIMIT_EXCEEDED']);
    const refused = toMlflowError(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', severity: 'ERROR' }));
    expect([refused.status, refused.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const bug = toMlflowError(Object.assign(new Error('relation does not exist'), { code: '42P01', severity: 'ERROR' }));
    expect([bug.status, bug.errorCode]).toEqual([500, 'INTERNAL_ERROR']);
  });
});
