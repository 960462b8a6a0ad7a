// Vitest setup file (vitest.config.ts): runs before each test file, so this hook belongs to the
// file's root suite and runs after its own hooks — once its servers and databases have closed.
// (Registered from a helper module instead, it would attach to no suite.)
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

afterAll(removeTempDirs);
