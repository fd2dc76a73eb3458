// Small DOM helpers: the panel builds its elements once and then only updates text and attributes.
import { formatDuration, formatPercent } from '../src/core/format';

type Attrs = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Attrs, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children);
  return node;
}

export function icon(name: string, label?: string): HTMLElement {
  const i = el('span', { class: `codicon codicon-${name}`, 'aria-hidden': label ? undefined : 'true', 'aria-label': label, role: label ? 'img' : undefined });
  return i;
}

/** Sets text only when it changed (no layout work for unchanged cells). */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** A web component of the toolkit with a value (text field, dropdown, text area). */
export type ValueElement = HTMLElement & { value: string };
export type CheckElement = HTMLElement & { checked: boolean };

export const percent = (value: number | undefined): string => formatPercent(value, '—');
export const duration = (seconds: number | undefined): string => formatDuration(seconds, '—');
