import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/temp-dirs.js';
import { IntegrityError } from './source.js';
import { writeVerified } from './verified-file.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('writing a verified file', () => {
  const dir = tempDir('stagecraft-verified-file-');

  it('writes the bytes, chunk by chunk, once they hash to the manifest', async () => {
    const target = path.join(dir, 'model.pkl');
    await writeVerified(chunks('abc', 'def'), sha('abcdef'), 'model.pkl', target);
    expect(fs.readFileSync(target, 'utf8')).toBe('abcdef');
    expect(fs.readdirSync(dir)).toEqual(['model.pkl']);
  });

  it('leaves nothing behind when they do not, nor when the stream is cut off', async () => {
    const target = path.join(dir, 'bad.pkl');
    await expect(writeVerified(chunks('abc'), sha('abd'), 'bad.pkl', target)).rejects.toBeInstanceOf(IntegrityError);
    async function* cut(): AsyncIterable<Uint8Array> {
      yield Buffer.from('abc');
      throw new Error('connection reset');
    }
    await expect(writeVerified(cut(), sha('abc'), 'bad.pkl', target)).rejects.toThrow('connection reset');
    expect(fs.readdirSync(dir)).toEqual(['model.pkl']);
  });
});
