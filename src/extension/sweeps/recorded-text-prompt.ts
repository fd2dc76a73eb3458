// Prompt design's row as a sweep's sweep.json records it: evaluated once when the sweep starts, then
// kept as the file is rewritten and shown by the Sweep view. No vscode import.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { SWEEP_FILE } from '../../core/sweep/sweep-record';
import type { TextPromptRow } from '../../core/sweep/sweep-table';

export const TextPromptRowSchema = v.object({ text: v.string(), shots: v.number(), metric: v.number(), n: v.number() });

/** The row in `dir`'s sweep.json; undefined when there is none (or no readable file: the caller rewrites it). */
export function recordedTextPrompt(dir: string): TextPromptRow | undefined {
  const file = join(dir, SWEEP_FILE);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(v.object({ textPrompt: TextPromptRowSchema }), json);
  return parsed.success ? parsed.output.textPrompt : undefined;
}
