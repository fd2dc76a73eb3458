// valibot helpers for every schema of the engine and its boundaries (settings, the two protocols,
// files): an issue as one sentence that names the field, a parse that throws it, and a compile-time
// check that a schema describes exactly the values of a type declared elsewhere.
import * as v from 'valibot';

export type Issue = v.BaseIssue<unknown>;

/** Which field an issue is about: `request.labels[1]`; '' for the value itself. */
export function issuePath(issue: Issue): string {
  return (issue.path ?? []).reduce<string>((path, item) => {
    const key = item.key;
    if (typeof key === 'number') return `${path}[${key}]`;
    return path ? `${path}.${String(key)}` : String(key);
  }, '');
}

/** The top-level key an issue is about (the setting's name, for the settings schema). */
export function issueKey(issue: Issue): string | undefined {
  const key = issue.path?.[0]?.key;
  return typeof key === 'string' ? key : undefined;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  Array: 'a list',
  Object: 'an object',
};

/** `"adafactor" | "adam"` -> `one of adafactor, adam`; `"auto" | number` -> `auto or a number`. */
function expectedWords(expected: string | null): string {
  if (!expected) return 'something else';
  const options = expected.replace(/^\((.*)\)$/, '$1').split(' | ');
  const literal = (o: string) => /^".*"$/.test(o);
  const words = options.map((o) => (literal(o) ? o.slice(1, -1) : (TYPE_WORDS[o] ?? o)));
  if (options.length > 1 && options.every(literal)) return `one of ${words.join(', ')}`;
  return words.join(' or ');
}

/** What is wrong, as the rest of a sentence that starts with the field's name. */
export function describeProblem(issue: Issue): string {
  const got = `(got ${issue.received})`;
  switch (issue.type) {
    case 'strict_object':
      // Either a key this object does not have, or one it needs and lacks.
      return issue.received === 'undefined' ? 'is required' : 'is not a known field';
    case 'object':
    case 'variant':
      if (issue.received === 'undefined' && issue.path?.length) return 'is required';
      return `must be ${expectedWords(issue.expected)} ${got}`;
    case 'integer':
      return `must be a whole number ${got}`;
    case 'min_value':
      return `must be at least ${issue.expected?.replace(/^>=/, '')} ${got}`;
    case 'max_value':
      return `must be at most ${issue.expected?.replace(/^<=/, '')} ${got}`;
    case 'gt_value':
      return `must be more than ${issue.expected?.replace(/^>/, '')} ${got}`;
    case 'lt_value':
      return `must be less than ${issue.expected?.replace(/^</, '')} ${got}`;
    case 'non_empty':
    case 'min_length':
      return 'must not be empty';
    case 'finite':
      return `must be a finite number ${got}`;
    default:
      // A type mismatch, or a check of ours whose message already says what to do.
      return issue.kind === 'schema' ? `must be ${expectedWords(issue.expected)} ${got}` : issue.message;
  }
}

export interface Naming {
  /** Prefixes the sentence: what was read, e.g. "start.request" or "settings.json". */
  where?: string;
  /** How the user knows a field (a CLI flag, a form label...); default: its path in quotes. */
  name?: (path: string, issue: Issue) => string;
}

/** One sentence per issue: `where: name problem`. */
export function describeIssues(issues: readonly Issue[], naming: Naming = {}): string[] {
  return issues.map((issue) => {
    const path = issuePath(issue);
    const field = naming.name ? naming.name(path, issue) : path ? `"${path}"` : 'the value';
    return `${naming.where ? `${naming.where}: ` : ''}${field} ${describeProblem(issue)}`;
  });
}

/** All the issues as one message: `where: first problem; second problem`. */
export function issuesMessage(issues: readonly Issue[], naming: Naming = {}): string {
  const problems = describeIssues(issues, { ...naming, where: undefined }).join('; ');
  return naming.where ? `${naming.where}: ${problems}` : problems;
}

/** A value that does not fit its schema; `fields` are the top-level keys at fault, first first. */
export class SchemaError extends Error {
  constructor(
    message: string,
    readonly fields: string[],
  ) {
    super(message);
  }
}

/** The schema's output for `value`, or a SchemaError naming every field at fault. */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown, naming: Naming = {}): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const fields = result.issues.map(issueKey).filter((k): k is string => k !== undefined);
  throw new SchemaError(issuesMessage(result.issues, naming), fields);
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * Returns the schema unchanged, and compiles only when its output is exactly T: a schema written for a
 * type declared elsewhere (the engine's events, say) cannot drift from it unnoticed.
 */
export function exactly<T>() {
  return <S extends v.GenericSchema>(schema: S & (Same<v.InferOutput<S>, T> extends true ? unknown : { mismatch: T })): S => schema;
}
