// How a prompt's rows start (--init), as a value and as the spec users write. No TensorFlow.js here:
// the settings schema (and with it the panel) checks specs without loading the engine.
import * as v from 'valibot';

export const PromptInitSchema = v.variant('kind', [
  v.strictObject({ kind: v.picklist(['random-uniform', 'sampled-vocab', 'class-labels']) }),
  v.strictObject({ kind: v.literal('text'), text: v.pipe(v.string(), v.nonEmpty()) }),
  v.strictObject({ kind: v.literal('file'), path: v.pipe(v.string(), v.nonEmpty()) }),
]);
export type PromptInit = v.InferOutput<typeof PromptInitSchema>;

/** The spec: random-uniform, sampled-vocab, class-labels, text:"..." or file:<path>. */
export function parseInit(spec: string): PromptInit {
  if (spec === 'random-uniform' || spec === 'sampled-vocab' || spec === 'class-labels') return { kind: spec };
  if (spec.startsWith('text:')) {
    const text = spec.slice(5).replace(/^"(.*)"$/s, '$1');
    if (!text.trim()) throw new Error('text:"..." needs a phrase, e.g. text:"Classify the sentiment".');
    return { kind: 'text', text };
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice(5);
    if (!path) throw new Error('file:<path> needs the folder of a saved prompt.');
    return { kind: 'file', path };
  }
  throw new Error(`"${spec}" is not known: use random-uniform, sampled-vocab, class-labels, text:"..." or file:<path>.`);
}

/** The spec of an initialisation, as parseInit reads it back (the form and the quick picks show it). */
export function initSpec(init: PromptInit): string {
  switch (init.kind) {
    case 'text':
      return `text:${init.text}`;
    case 'file':
      return `file:${init.path}`;
    default:
      return init.kind;
  }
}
