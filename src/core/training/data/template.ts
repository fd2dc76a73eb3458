// Input templates such as `premise: {premise} hypothesis: {hypothesis}`: `{field}` is replaced by the
// record's value of that field; `{{` and `}}` stand for literal braces.
import { DataError, DataSpecError } from './errors';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; field: string };

export interface Template {
  source: string;
  parts: TemplatePart[];
  /** Distinct field names in order of first use. */
  fields: string[];
}

export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  const fail = (message: string): never => {
    throw new DataSpecError('template', `${message} in ${JSON.stringify(source)}`);
  };
  while (i < source.length) {
    const ch = source[i];
    const next = source[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i += 2;
    } else if (ch === '}') {
      fail(`lone "}" at character ${i + 1}; write "}}" for a literal brace`);
    } else if (ch === '{') {
      const close = source.indexOf('}', i + 1);
      const nested = source.indexOf('{', i + 1);
      if (close < 0) fail(`"{" at character ${i + 1} is never closed; write "{{" for a literal brace`);
      if (nested >= 0 && nested < close) fail(`"{" at character ${i + 1} is not closed before the next "{"`);
      const field = source.slice(i + 1, close).trim();
      if (field === '') fail(`empty placeholder at character ${i + 1}; put a field name inside, e.g. {text}`);
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'field', field });
      i = close + 1;
    } else {
      text += ch;
      i += 1;
    }
  }
  if (text !== '') parts.push({ kind: 'text', text });
  const fields = [...new Set(parts.flatMap((p) => (p.kind === 'field' ? [p.field] : [])))];
  if (fields.length === 0) {
    fail('no {field} placeholder, so every input would be the same text; use e.g. "premise: {premise} hypothesis: {hypothesis}"');
  }
  return { source, parts, fields };
}

/** Throws a DataError naming the first placeholder that is not a field of `file`, listing the fields it has. */
export function checkTemplateFields(template: Template, available: readonly string[], file: string): void {
  const missing = template.fields.find((field) => !available.includes(field));
  if (missing !== undefined) {
    throw new DataError(
      { file, field: missing },
      `the template ${JSON.stringify(template.source)} uses {${missing}}, but the file has no such field ` +
        `(fields: ${available.join(', ') || 'none'})`,
      'Use one of the available field names in the template',
    );
  }
}

export function renderTemplate(template: Template, valueOf: (field: string) => string): string {
  return template.parts.map((p) => (p.kind === 'text' ? p.text : valueOf(p.field))).join('');
}
