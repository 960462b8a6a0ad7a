// The committed sdk/openapi.d.ts must match what the server's routes produce now.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSdkTypes, SDK_TYPES_FILE } from '../scripts/generate-sdk.js';

describe('generated SDK types', () => {
  it('match the OpenAPI document of a server with every module', async () => {
    const fresh = await generateSdkTypes();
    const committed = fs.readFileSync(SDK_TYPES_FILE, 'utf8');
    // A plain boolean first so the failure says what to do instead of printing a 4,000-line diff.
    const upToDate = fresh === committed;
    expect(upToDate, 'sdk/openapi.d.ts is stale: run npm run sdk:generate and commit the result').toBe(true);
  });
});
