// The README's code blocks, read from README.md itself so tests run what a reader copies: the fenced
// blocks of one language under one heading (up to the next heading of the same or a higher level).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function readmeBlocks(heading: string, lang = 'bash', file = path.join(REPO_ROOT, 'README.md')): string[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (start < 0) throw new Error(`README.md has no heading starting with "${heading}"`);
  const level = lines[start].indexOf(' ');
  const blocks: string[] = [];
  let current: string[] | null = null;
  let inOther = false;
  for (const line of lines.slice(start + 1)) {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence && current) {
      blocks.push(current.join('\n'));
      current = null;
    } else if (fence && inOther) {
      inOther = false;
    } else if (fence) {
      if (fence[1] === lang) current = [];
      else inOther = true;
    } else if (current) {
      current.push(line);
    } else if (!inOther && /^#+ /.test(line) && line.indexOf(' ') <= level) {
      break;
    }
  }
  return blocks;
}
