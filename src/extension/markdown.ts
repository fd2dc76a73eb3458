// Data shown in hover and tooltip markdown (vocabulary pieces, paths, labels, model and run names)
// comes from files a workspace carries, so it is escaped to show as the text it is: never a link, an
// image, HTML, a new table row or a new paragraph. No vscode import: unit-tested with a renderer.

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Line breaks and control characters as visible escapes (\n, \u0007), so none can end a line. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text that markdown shows as is (every ASCII punctuation mark that could start markup escaped). */
export function mdText(text: string): string {
  return visible(text).replace(/[\\`*_{}[\]()#+\-.!|<>~&:]/g, '\\$&');
}

/** A code span showing `text` as is: fenced by more backticks than its longest run inside. */
export function mdCode(text: string): string {
  const shown = visible(text);
  const fence = '`'.repeat(Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  // A space on each side keeps a backtick at either end off the fence; markdown strips one each side.
  const pad = /^`|`$|^ .* $/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** Markdown for a table cell: a `|` would end the cell even inside a code span. */
export function mdCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}
