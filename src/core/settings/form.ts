// The panel's setup form, derived from the settings schema: a field for each setting offered there,
// its values as the text the user edits, and that text back as settings (read as the CLI reads flags).
import * as v from 'valibot';
import { initSpec, PromptInitSchema } from '../prompt/init-spec';
import { settingDefault, settingFromText, SETTING_NAMES, specOf, valueSchema, type FormSection, type SettingName } from './run-settings';

export interface FormField {
  name: SettingName;
  label: string;
  help: string;
  section: FormSection;
  /** choice: a dropdown of `choices`; list: comma-separated values. */
  kind: 'text' | 'number' | 'list' | 'choice';
  choices?: readonly string[];
  /** Shown while the field is empty: its default. */
  placeholder: string;
}

/** A setting's value as the form shows it: 0.3, "no, yes", "class-labels"; '' for none. */
export function formText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (v.is(PromptInitSchema, value)) return initSpec(value);
  return String(value);
}

function kindOf(schema: v.GenericSchema, choices: readonly string[] | undefined): FormField['kind'] {
  if (choices || schema.type === 'picklist') return 'choice';
  if (schema.type === 'number') return 'number';
  return schema.type === 'array' ? 'list' : 'text';
}

export const FORM_FIELDS: readonly FormField[] = SETTING_NAMES.flatMap((name) => {
  const spec = specOf(name);
  if (!spec.form) return [];
  const schema = valueSchema(spec.schema);
  const choices = spec.form.choices ?? (schema.type === 'picklist' ? (schema as v.PicklistSchema<string[], undefined>).options : undefined);
  return [{ name, label: spec.form.label, help: spec.help, section: spec.form.section, kind: kindOf(schema, choices), ...(choices ? { choices } : {}), placeholder: formText(settingDefault(name)) }];
});

/** What the panel sends: the text of any of the form's fields. */
export const FormValuesSchema = v.strictObject(Object.fromEntries(FORM_FIELDS.map((f) => [f.name, v.optional(v.string())])) as Record<SettingName, v.OptionalSchema<v.StringSchema<undefined>, undefined>>);
export type FormValues = v.InferOutput<typeof FormValuesSchema>;

/** The settings the user filled in (an empty field takes the default), still to be checked. */
export function settingsFromForm(values: FormValues): Partial<Record<SettingName, unknown>> {
  const settings: Partial<Record<SettingName, unknown>> = {};
  for (const [name, text] of Object.entries(values) as [SettingName, string | undefined][]) {
    if (text !== undefined && text.trim() !== '') settings[name] = settingFromText(name, text.trim());
  }
  return settings;
}

/** The label a setting has in the form, for messages about it ("Prompt length"). */
export function formLabel(name: string): string | undefined {
  return FORM_FIELDS.find((f) => f.name === name)?.label;
}

/** The form's text for these settings (VS Code's, say); the fields of absent ones stay empty. */
export function formValues(settings: Partial<Record<SettingName, unknown>>): FormValues {
  return Object.fromEntries(FORM_FIELDS.map((f) => [f.name, formText(settings[f.name])]));
}
