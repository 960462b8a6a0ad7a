// Local files a command reads (a policy, gates, a reference dataset, labels): a file that cannot be
// read or parsed is a usage error (exit 2) before any request is sent.
import fs from 'node:fs/promises';
import YAML from 'yaml';
import { CliError, EXIT } from './cli-errors.js';

export async function readLocal(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
}

/** A YAML (or JSON, which is YAML) file, parsed; what it holds is for the server to judge. */
export async function readYaml(file: string): Promise<unknown> {
  const text = (await readLocal(file)).toString('utf8');
  try {
    return YAML.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, EXIT.usage);
  }
}
