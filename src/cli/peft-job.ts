// prompt-tune export-job / import: a run handed to HF PEFT + Accelerate, and its prompt taken back.
import { exportPeftJob } from '../core/peft-job/export-job';
import { importPeftAdapter } from '../core/peft-job/import-adapter';
import { openSession } from '../core/session';
import { need, settingFlag, type Flags } from './run-options';
import type { Out } from './commands';

export async function exportJobCommand(flags: Flags, out: Out): Promise<number> {
  const { dir, job } = await exportPeftJob(need(flags, 'run', 'the run folder to export (the --out of prompt-tune train)'), need(flags, 'out', 'the folder to write the job into'));
  if (flags.json === true) out(JSON.stringify({ out: dir, model: job.model, steps: job.steps, batchSize: job.batchSize, promptLength: job.promptLength }));
  else out(`Wrote the PEFT + Accelerate job ${dir} (${job.steps} steps of batch ${job.batchSize}, prompt ${job.promptLength} x ${job.dModel}). Run it with: cd ${dir} && accelerate launch train.py`);
  return 0;
}

export async function importCommand(flags: Flags, out: Out): Promise<number> {
  const adapter = need(flags, 'adapter', 'the PEFT adapter folder (adapter_config.json + adapter_model.safetensors)');
  const target = need(flags, 'out', 'the prompt folder to write');
  const s = await openSession(need(flags, 'model', 'the model the adapter was trained on'), { backend: settingFlag(flags, 'backend') });
  const r = importPeftAdapter(s, adapter, target);
  r.notes.forEach((note) => process.stderr.write(`note: ${note}\n`));
  if (flags.json === true) out(JSON.stringify({ out: r.out, promptLength: r.metadata.promptLength, dModel: r.metadata.dModel, fingerprintChecked: r.fingerprintChecked }));
  else out(`Imported ${r.metadata.promptLength} x ${r.metadata.dModel} prompt into ${r.out}${r.fingerprintChecked ? ' (model fingerprint checked)' : ''}.`);
  return 0;
}
