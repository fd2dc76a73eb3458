// Text shown to people: control characters (\u0000, \u0007, ...) would vanish or garble a terminal or
// a list, so they are written as \uXXXX escapes.
const CONTROL_CHAR = /\p{Cc}/gu;

export function escapeControlChars(text: string): string {
  return text.replace(CONTROL_CHAR, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
