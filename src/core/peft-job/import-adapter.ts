// `prompt-tune import`: a PEFT prompt-tuning adapter (from an exported job, or any PEFT run) becomes
// one of our prompt folders for the model in use, so inspection, the playground and ensembles work
// on it. The job's train.py records the fingerprint of the checkpoint it trained on beside the
// adapter (prompt-tuner-job.json); it must be the model's. An adapter without it is checked by width
// and named base model only, and the import says so.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { MIB, fileInFolder, readJsonFile } from '../io/file-access';
import { issuesMessage } from '../schema';
import { insightsFor, loadPrompt, PromptFileError, PromptMismatchError, savePrompt, type PromptMetadata } from '../prompt';
import { PromptInitSchema } from '../prompt/init-spec';
import { MetricSchema, TrainingSchema } from '../prompt/metadata';
import type { Session } from '../session';

export const JOB_PROMPT_NOTE = 'prompt-tuner-job.json';

const NoteSchema = v.looseObject({
  format: v.literal('prompt-tuner/peft-job-prompt'),
  embeddingFingerprint: v.string(),
  model: v.optional(v.string()),
  init: v.optional(PromptInitSchema),
  initPieces: v.optional(v.array(v.nullable(v.string()))),
  template: v.nullish(v.string()),
  verbalizer: v.nullish(v.string()),
  labels: v.nullish(v.array(v.string())),
  training: v.optional(TrainingSchema),
  metrics: v.optional(v.array(MetricSchema)),
});
type JobNote = v.InferOutput<typeof NoteSchema>;

const NOTE_LIMIT = { maxBytes: 16 * MIB, what: "an adapter's prompt-tuner-job.json" };
/** Nearest pieces kept per prompt token, as a trained prompt keeps them. */
const INSIGHT_TOP_K = 10;

function readNote(dir: string): JobNote | undefined {
  if (!existsSync(join(dir, JOB_PROMPT_NOTE))) return undefined;
  const path = fileInFolder(dir, JOB_PROMPT_NOTE, NOTE_LIMIT, PromptFileError);
  const parsed = v.safeParse(NoteSchema, readJsonFile(path, NOTE_LIMIT, PromptFileError));
  if (!parsed.success) {
    throw new PromptFileError(path, `${issuesMessage(parsed.issues.slice(0, 3), { where: path })}. Remove it to import the adapter as a plain PEFT prompt (without the model check).`);
  }
  return parsed.output;
}

export interface ImportedPrompt {
  out: string;
  metadata: PromptMetadata;
  /** Whether the adapter's recorded fingerprint was checked against the model's. */
  fingerprintChecked: boolean;
  notes: string[];
}

/** Writes the adapter folder `adapterDir` as our prompt folder `outDir` for the session's model. */
export function importPeftAdapter(s: Session, adapterDir: string, outDir: string): ImportedPrompt {
  const dir = resolve(adapterDir);
  const loaded = loadPrompt(dir, s.identity); // a PEFT folder: width checked, another base model noted
  const note = readNote(dir);
  const notes = [...loaded.notes];
  if (note && note.embeddingFingerprint !== s.identity.embeddingFingerprint) {
    throw new PromptMismatchError(
      join(dir, JOB_PROMPT_NOTE),
      `${dir}: this prompt was trained on ${note.model ? `"${note.model}"` : 'another checkpoint'}, whose input embeddings differ from those of "${s.identity.name}" ` +
        `(fingerprint ${note.embeddingFingerprint.slice(0, 15)} vs ${s.identity.embeddingFingerprint.slice(0, 15)}). Import it with the model the job trained on.`,
    );
  }
  if (!note) notes.push(`${dir} has no ${JOB_PROMPT_NOTE} (it was not trained by an exported job): only the width (d_model ${loaded.prompt.dModel}) could be checked against "${s.identity.name}".`);
  const labels = note?.labels ?? loaded.metadata?.labels ?? undefined;
  const metadata = savePrompt(outDir, loaded.prompt, s.identity, {
    ...(note?.init ? { init: note.init } : {}),
    ...(note?.initPieces ? { initPieces: note.initPieces } : {}),
    ...(note?.template ? { template: note.template } : {}),
    ...(note?.verbalizer ? { verbalizer: note.verbalizer } : {}),
    ...(labels ? { labels } : {}),
    ...(note?.training ? { training: note.training } : {}),
    ...(note?.metrics ? { metrics: note.metrics } : {}),
    nearest: insightsFor(s, loaded.prompt, { top: INSIGHT_TOP_K, labels, initPieces: note?.initPieces }),
  });
  return { out: resolve(outDir), metadata, fingerprintChecked: note !== undefined, notes };
}
