// Prompt design (the paper's starting point): a hand-written text prompt, and optionally a few solved
// examples, written in front of every input of the frozen model; nothing is trained.
import type { Example } from './dataset';

/** A solved example as a shot: its input as the template formats it, then its target. */
export const shotText = (e: Example): string => `${e.input} ${e.target}`;

/**
 * The examples with "<text> <shot 1> ... <shot N> " in front of each input (separated by spaces, so
 * that token boundaries stay); without a text, the shots alone.
 */
export function withTextPrompt(examples: readonly Example[], text: string | undefined, shots: readonly Example[] = []): Example[] {
  const prefix = [...(text ? [text] : []), ...shots.map(shotText)].join(' ');
  return examples.map((e) => ({ ...e, input: `${prefix} ${e.input}` }));
}
