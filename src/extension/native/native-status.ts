// What the host knows of the extension's native install without loading it: read from active.json
// (written by the installer after a successful check). Shown in the panel and used to decide whether
// to offer "Set Up Native Backend". No vscode import.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { installedVersion, NATIVE_DIR_ENV, NativeInstallError, readActiveRecord } from '../../core/native/install-record';
import { describeCheck } from '../../core/native/labels';
import type { NativeStatus } from '../../../webview/protocol';

export function readNativeStatus(root: string, engineVersion: string): NativeStatus {
  let record;
  try {
    record = readActiveRecord(root);
  } catch (err) {
    return { state: 'damaged', summary: err instanceof NativeInstallError ? err.message : String(err) };
  }
  if (!record) return { state: 'none', summary: 'Not set up: training runs on WebAssembly (wasm).' };
  const folder = join(root, record.folder);
  if (!existsSync(folder)) return { state: 'damaged', summary: `The native install ${folder} is missing: set up the native backend again.` };
  const core = installedVersion(folder, '@tensorflow/tfjs-core');
  if (core !== engineVersion) {
    return { state: 'outdated', variant: record.variant, summary: `The native install has TensorFlow.js ${core ?? '(none)'}; this Prompt Tuner uses ${engineVersion}: set it up again.` };
  }
  return { state: 'ready', variant: record.variant, summary: `${record.package} ${record.version}: ${describeCheck(record.check)}.` };
}

/** The environment a worker gets so that it loads TensorFlow.js from this root's active install (if any). */
export function nativeWorkerEnv(root: string): Record<string, string> {
  return { [NATIVE_DIR_ENV]: root };
}
