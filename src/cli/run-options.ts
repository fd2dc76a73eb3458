// The command line's flags. A run's settings are not listed here: each setting of the schema
// (src/core/settings/run-settings.ts) is the flag --<kebab-case name>, read as the schema's type,
// with its --help line made from its help text, default and range.
import { numberBounds, SETTING_NAMES, specOf, resolveRunSettings, settingDefault, settingFromText, valueSchema, type RunSettings, type SettingName, type SettingSpec } from '../core/settings/run-settings';
import { parseWith, SchemaError, type Naming } from '../core/schema';

export type Flags = Record<string, string | boolean | undefined>;

export class UsageError extends Error {}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** parseArgs options: a string for each setting that takes a value, a boolean for on/off ones. */
export const SETTING_OPTIONS = Object.fromEntries(
  SETTING_NAMES.map((name) => [kebab(name), { type: specOf(name).arg === undefined ? 'boolean' : 'string' }]),
) as Record<string, { type: 'string' | 'boolean' }>;

/** A flag's value, or the setting's environment variable when the flag is absent; and where it came from. */
function given(flags: Flags, name: SettingName): { raw: string | boolean; source: string } | undefined {
  const raw = flags[kebab(name)];
  if (raw !== undefined) return { raw, source: `--${kebab(name)}` };
  const env = specOf(name).env;
  const value = env ? process.env[env] : undefined;
  return env && value ? { raw: value, source: env } : undefined;
}

const asValue = (name: SettingName, raw: string | boolean): unknown => (typeof raw === 'boolean' ? raw : settingFromText(name, raw));

/** Problems are named as the user wrote them: the flag (or environment variable), then the item. */
function naming(flags: Flags): Naming {
  return {
    name: (path) => {
      const [key, ...rest] = path.split(/(?=[.[])/);
      const source = SETTING_NAMES.includes(key as SettingName) ? (given(flags, key as SettingName)?.source ?? `--${kebab(key)}`) : key;
      return `${source}${rest.join('')}`;
    },
  };
}

function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SchemaError) throw new UsageError(err.message);
    throw err;
  }
}

/** The run's settings from the flags over `base` (a resumed run's own), checked, with the defaults. */
export function runSettings(flags: Flags, base: Partial<Record<SettingName, unknown>> = {}): RunSettings {
  const input: Record<string, unknown> = { ...base };
  for (const name of SETTING_NAMES) {
    const g = given(flags, name);
    if (g) input[name] = asValue(name, g.raw);
  }
  return usage(() => resolveRunSettings(input, naming(flags)));
}

/** One setting given as a flag, checked; undefined when absent (the command chooses its default). */
export function settingFlag<N extends SettingName>(flags: Flags, name: N): RunSettings[N] | undefined {
  const g = given(flags, name);
  if (!g) return undefined;
  const value = asValue(name, g.raw);
  // The value schema's output is the setting's type (only checkpointEvery's default is derived).
  return usage(() => parseWith(valueSchema(specOf(name).schema), value, { name: () => g.source }) as RunSettings[N]);
}

export function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value.`);
  return value;
}

export function need(flags: Flags, name: string, what: string): string {
  const value = str(flags, name);
  if (value === undefined) throw new UsageError(`--${name} is required: ${what}.`);
  return value;
}

export function num(flags: Flags, name: string): number | undefined {
  const value = str(flags, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got "${value}").`);
  return n;
}

/** "1-512", "> 0", ">= 0, < 1": the range a number setting's schema allows. */
function rangeText(spec: SettingSpec): string {
  const { min, max, above, below } = numberBounds(spec.schema);
  if (min !== undefined && max !== undefined) return `${min}-${max}`;
  const low = min !== undefined ? `>= ${min}` : above !== undefined ? `> ${above}` : undefined;
  const high = max !== undefined ? `<= ${max}` : below !== undefined ? `< ${below}` : undefined;
  return [low, high].filter(Boolean).join(', ');
}

const HELP_WIDTH = 118;

/** `text` in lines of at most `width` characters, the later ones indented by `indent`. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** --help's lines for the run settings: flag and value, help, then default, range and environment variable. */
export function settingsHelp(): string[] {
  const heads = SETTING_NAMES.map((name) => {
    const spec = specOf(name);
    return `  --${kebab(name)}${spec.arg ? ` ${spec.arg}` : ''}`;
  });
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return SETTING_NAMES.map((name, i) => {
    const spec = specOf(name);
    const fallback = settingDefault(name);
    const env = spec.env;
    const notes = [
      spec.schema.type !== 'optional' ? 'required' : fallback !== undefined && fallback !== false ? `default ${fallback}` : '',
      rangeText(spec),
      env && `or ${env}`,
    ].filter(Boolean);
    return `${heads[i]!.padEnd(width)}${wrap(`${spec.help}${notes.length ? ` (${notes.join('; ')})` : ''}`, width, HELP_WIDTH)}`;
  });
}
