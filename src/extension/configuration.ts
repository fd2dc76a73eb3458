// The extension's settings (promptTuner.*): the run settings the schema offers as VS Code settings
// (the defaults of new runs) and the extension's own two. package.json's contributes.configuration is
// derived from here (a unit test keeps it equal), and the values VS Code holds are checked on reading.
// No vscode import: settings.ts hands in VS Code's getter.
import * as v from 'valibot';
import { describeProblem } from '../core/schema';
import { numberBounds, RUN_SETTINGS, SETTING_NAMES, specOf, valueSchema, type RunSettings, type SettingName, type SettingSpec } from '../core/settings/run-settings';

/** The extension's own settings, described as the run settings are. */
const EXTENSION_SETTINGS = {
  outputFolder: {
    schema: v.optional(v.pipe(v.string(), v.nonEmpty()), '.prompts'),
    help: 'Where runs are saved, relative to the workspace folder. Each run gets <dataset>-<n>/ with checkpoint/ and the best prompt/.',
    vscode: { key: 'outputFolder', order: 1 },
  },
  npmPath: {
    schema: v.optional(v.string(), ''),
    help: 'The npm executable Set Up Native Backend installs TensorFlow with. Empty: searched in PATH and where Node.js installers put it (nvm, Volta, Homebrew, /usr/local/bin...).',
    vscode: { key: 'npmPath', order: 10, scope: 'machine' },
  },
} satisfies Record<string, SettingSpec>;

type VsCodeName = { [K in SettingName]: (typeof RUN_SETTINGS)[K] extends { vscode: object } ? K : never }[SettingName];

/** The run settings VS Code holds, checked: where every new run starts from. */
export type RunDefaults = Pick<RunSettings, VsCodeName>;

export interface TunerSettings {
  run: RunDefaults;
  outputFolder: string;
  /** The npm that installs the native backend; absent: searched in PATH and the usual places. */
  npmPath?: string;
  /** Values that were not valid, each with what is used instead. */
  problems: string[];
}

const SECTION = 'promptTuner';

/** Every VS Code setting: its key and description. */
function vscodeSettings(): { name: string; spec: SettingSpec & { vscode: NonNullable<SettingSpec['vscode']> } }[] {
  const run = SETTING_NAMES.map((name) => ({ name: name as string, spec: specOf(name) }));
  const own = Object.entries(EXTENSION_SETTINGS).map(([name, spec]) => ({ name, spec: spec as SettingSpec }));
  return [...run, ...own].flatMap(({ name, spec }) => (spec.vscode ? [{ name, spec: { ...spec, vscode: spec.vscode } }] : []));
}

/** The JSON schema type of a setting's values; a union offers only its plain options (init's spec strings). */
function jsonType(schema: v.GenericSchema): string[] {
  switch (schema.type) {
    case 'string':
    case 'picklist':
      return ['string'];
    case 'number':
      return [numberBounds(schema).integer ? 'integer' : 'number'];
    case 'boolean':
      return ['boolean'];
    case 'union':
      return (schema as v.UnionSchema<v.GenericSchema[], undefined>).options.flatMap((o) => (o.type === 'variant' || o.type === 'strict_object' ? [] : jsonType(o)));
    default:
      throw new Error(`A ${schema.type} setting cannot be a VS Code setting: add its JSON type to configuration.ts.`);
  }
}

/** package.json's contributes.configuration.properties, as the schema defines them. */
export function configurationProperties(): Record<string, Record<string, unknown>> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const { spec } of vscodeSettings().sort((a, b) => a.spec.vscode.order - b.spec.vscode.order)) {
    const schema = valueSchema(spec.schema);
    const fallback = v.getDefault(spec.schema as v.GenericSchema) ?? spec.vscode.default;
    const types = jsonType(schema);
    const { min, max, above, below } = schema.type === 'number' ? numberBounds(schema) : {};
    properties[`${SECTION}.${spec.vscode.key}`] = {
      // Without a default the setting may be empty (null): the engine then chooses (lr: the optimiser's).
      type: fallback === undefined ? [...types, 'null'] : types.length === 1 ? types[0] : types,
      ...(schema.type === 'picklist' ? { enum: (schema as v.PicklistSchema<string[], undefined>).options } : {}),
      ...(spec.vscode.enumDescriptions ? { enumDescriptions: spec.vscode.enumDescriptions } : {}),
      default: fallback ?? null,
      ...(min !== undefined ? { minimum: min } : {}),
      ...(max !== undefined ? { maximum: max } : {}),
      ...(above !== undefined ? { exclusiveMinimum: above } : {}),
      ...(below !== undefined ? { exclusiveMaximum: below } : {}),
      ...(spec.vscode.scope ? { scope: spec.vscode.scope } : {}),
      order: spec.vscode.order,
      // Plain text, as the CLI prints it (markdown would take <dataset> for HTML).
      description: spec.help,
    };
  }
  return properties;
}

/**
 * The settings from VS Code's getter (`get('promptLength')`), each checked by its schema. An invalid
 * value is reported in `problems` and replaced by the default, so a typo never blocks a run.
 */
export function readTunerSettings(get: (key: string) => unknown): TunerSettings {
  const problems: string[] = [];
  const read = (spec: SettingSpec): unknown => {
    const key = spec.vscode!.key;
    const raw = get(key);
    const fallback = v.getDefault(spec.schema as v.GenericSchema) ?? spec.vscode?.default;
    const result = v.safeParse(spec.schema, raw ?? fallback);
    if (result.success) return result.output;
    problems.push(`${SECTION}.${key} ${describeProblem(result.issues[0])}; using ${fallback === undefined ? 'the engine\'s default' : JSON.stringify(fallback)}.`);
    return v.parse(spec.schema, fallback);
  };
  const run: Partial<Record<SettingName, unknown>> = {};
  for (const name of SETTING_NAMES) if (specOf(name).vscode) run[name] = read(specOf(name));
  const npmPath = (read(EXTENSION_SETTINGS.npmPath) as string).trim();
  return {
    // Each value passed its setting's schema: it is that setting's type.
    run: run as RunDefaults,
    outputFolder: read(EXTENSION_SETTINGS.outputFolder) as string,
    ...(npmPath ? { npmPath } : {}),
    problems,
  };
}
