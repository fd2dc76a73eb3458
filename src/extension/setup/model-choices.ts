// The model picker's entries, shared by the Tune Prompt quick pick and the panel's setup form: the
// T5 catalog (the paper's LM-adapted T5 1.1 first) with size, download and cache state and the
// memory training needs on this machine; checkpoint folders in the workspace; other T5 models
// complete in the Hugging Face cache. No vscode import, and no TensorFlow.js: core/hub's index
// is safe for the extension host.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { T5_CATALOG, findCachedModel, formatBytes, hubCacheDir, listCatalog, parseRepoSpec, type CatalogItem, type Env } from '../../core/hub';
import type { Choice } from '../../../webview/protocol';

export type ModelGroup = 'recommended' | 'workspace' | 'cached' | 'catalog' | 'setting';

export interface ModelOption {
  group: ModelGroup;
  /** The id or folder as shown. */
  label: string;
  /** What the run request gets: a folder, or a hub id (the id the cache holds it under). */
  value: string;
  description?: string;
  detail?: string;
  /** A catalog model already in the hub cache (no download). */
  cached?: boolean;
  /** Training it needs more memory than this machine has (the estimate). */
  tooBig?: boolean;
}

/** Group order in the picker, and the separator titles. */
export const MODEL_GROUPS: readonly { group: ModelGroup; title: string }[] = [
  { group: 'recommended', title: 'recommended by the paper: T5 1.1 LM-adapted' },
  { group: 'workspace', title: 'in the workspace' },
  { group: 'cached', title: 'in the Hugging Face cache' },
  { group: 'catalog', title: 'other T5 checkpoints on the hub' },
  { group: 'setting', title: 'the promptTuner.model setting' },
];

/** 60506624 -> "60.5M", 2849757184 -> "2.85B" */
export function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toPrecision(3)}B` : n >= 1e6 ? `${(n / 1e6).toPrecision(3)}M` : String(n);
}

const RECOMMENDED_FAMILY = 'T5 1.1 LM-adapted';

export function catalogOption(item: CatalogItem): ModelOption {
  const recommended = item.family === RECOMMENDED_FAMILY;
  const cache = !item.cached ? `~${formatBytes(item.downloadBytes)} download` : item.cachedAs && item.cachedAs !== item.repo ? `cached as ${item.cachedAs}` : 'cached';
  const m = item.memory;
  const memory = `Training at batch size ${m.batchSize} needs ≈ ${formatBytes(m.totalBytes)} of memory; this machine has ${formatBytes(m.machineBytes)}`;
  return {
    group: recommended ? 'recommended' : 'catalog',
    label: item.repo,
    value: item.cachedAs ?? item.repo,
    description: [recommended ? 'recommended (the paper’s)' : item.family, `${formatCount(item.parameters)} parameters`, cache].join(' · '),
    detail: m.fits ? `${memory}.` : `${memory}: too little — lower the batch size or choose a smaller model.`,
    cached: item.cached,
    tooBig: !m.fits,
  };
}

/** The catalog as options, for training at `batchSize` on this machine. */
export function catalogOptions(opts: { batchSize: number; env?: Env }): ModelOption[] {
  return listCatalog({ env: opts.env, assumptions: { batchSize: opts.batchSize } }).map(catalogOption);
}

function isT5(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model_type?: unknown }).model_type === 't5';
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * T5 models with a complete snapshot in the hub cache (HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME, as
 * huggingface_hub reads them) that the catalog does not list. `main` is preferred, then other refs,
 * then snapshots fetched by commit (offered as org/name@revision).
 */
export function cachedHubOptions(env: Env = process.env): ModelOption[] {
  const root = hubCacheDir(env);
  const known = new Set(T5_CATALOG.flatMap((e) => [e.repo, ...e.aliases]));
  const options: ModelOption[] = [];
  for (const folder of list(root).filter((n) => n.startsWith('models--')).sort()) {
    const repo = folder.slice('models--'.length).split('--').join('/');
    if (known.has(repo)) continue;
    const refs = list(join(root, folder, 'refs')).filter((r) => r !== 'main');
    const commits = list(join(root, folder, 'snapshots'));
    for (const revision of ['main', ...refs, ...commits]) {
      const snapshot = findCachedModel(repo, revision, env);
      if (!snapshot) continue;
      if (isT5(snapshot.dir)) {
        const id = revision === 'main' ? repo : `${repo}@${revision}`;
        options.push({ group: 'cached', label: id, value: id, description: 'in the Hugging Face cache', detail: snapshot.dir });
      }
      break;
    }
  }
  return options;
}

/** All options in picker order: recommended, workspace, cached, other catalog entries, the setting. */
export function modelOptions(parts: { catalog: ModelOption[]; workspace: Choice[]; cached: ModelOption[]; settingModel: string }): ModelOption[] {
  const workspace: ModelOption[] = parts.workspace.map((c) => ({ group: 'workspace', label: c.label, value: c.value, description: c.detail }));
  const all = [...parts.catalog, ...workspace, ...parts.cached];
  const listed = all.some((o) => o.value === parts.settingModel || o.label === parts.settingModel);
  if (!listed && parts.settingModel) all.push({ group: 'setting', label: parts.settingModel, value: parts.settingModel, description: 'the promptTuner.model setting' });
  const rank = (o: ModelOption) => MODEL_GROUPS.findIndex((g) => g.group === o.group);
  // Array.prototype.sort is stable: the catalog keeps its size order within a group.
  return all.sort((a, b) => rank(a) - rank(b));
}

const GROUP_ICONS: Record<ModelGroup, string> = { recommended: 'star-full', workspace: 'folder', cached: 'database', catalog: 'cloud', setting: 'gear' };

/** The codicon a quick-pick row shows: a warning when it will not fit, a check when it is cached. */
export function optionIcon(o: ModelOption): string {
  return o.tooBig ? 'warning' : o.cached ? 'check' : GROUP_ICONS[o.group];
}

/** The options under their group titles, empty groups left out (the quick pick's separators). */
export function groupOptions(options: ModelOption[]): { title: string; options: ModelOption[] }[] {
  return MODEL_GROUPS.map(({ group, title }) => ({ title, options: options.filter((o) => o.group === group) })).filter((g) => g.options.length > 0);
}

/** Why a typed model is unusable (for the hub id input box), or undefined: org/name[@revision]. */
export function hubIdProblem(value: string): string | undefined {
  const spec = value.trim();
  if (!spec) return 'Type a hub id such as google/t5-base-lm-adapt.';
  return parseRepoSpec(spec) ? undefined : `"${spec}" is not a hub id: use org/name or org/name@revision (letters, digits, "-", "_", ".").`;
}

/** For the panel's dropdown, which has no separators: the annotations go into the label. */
export function toChoice(o: ModelOption): Choice {
  return { label: o.description ? `${o.label} — ${o.description}${o.tooBig ? ' ⚠' : ''}` : o.label, value: o.value, detail: o.detail };
}
