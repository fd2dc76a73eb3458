// Driving a code-server workbench with playwright-core: the command palette, quick picks, the panel's
// webview (two iframes deep), sidebar trees and editor hovers. Selectors follow ../shared/docs/E2E.md.
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const TIMEOUT = 60_000;

export class Workbench {
  constructor(
    readonly page: Page,
    private readonly shotsDir: string,
  ) {}

  private shotCount = 0;

  /** Saves test-results/e2e/NN-name.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.shotCount++;
    const path = `${this.shotsDir}/${String(this.shotCount).padStart(2, '0')}-${name}.png`;
    await this.page.screenshot({ path });
    return path;
  }

  async ready(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
    await this.page.locator('.statusbar').waitFor({ timeout: TIMEOUT });
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * F1, then runs the command with this exact title ("Prompt Tuning: Tune Prompt"). The palette's list
   * is computed when typed, so while the extension host is still starting it is retyped.
   */
  async runCommand(title: string): Promise<void> {
    const box = this.page.locator('.quick-input-widget .quick-input-box input.input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const end = Date.now() + TIMEOUT;
    for (;;) {
      await this.page.keyboard.press('F1');
      await box.waitFor({ timeout: TIMEOUT });
      await box.fill(`>${title}`);
      try {
        await row.waitFor({ timeout: 3000 });
        break;
      } catch (err) {
        if (Date.now() > end) throw err;
        await this.page.keyboard.press('Escape');
        await this.page.waitForTimeout(1000);
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /** Waits for a quick pick titled like `title`, types `filter` and picks the first row containing `row`. */
  async pick(title: RegExp, filter: string, row: string | RegExp): Promise<void> {
    const widget = this.quickInput();
    await widget.locator('.quick-input-title', { hasText: title }).waitFor({ timeout: TIMEOUT });
    const box = widget.locator('.quick-input-box input.input');
    if (filter) await box.fill(filter);
    const item = widget.locator('.quick-input-list .monaco-list-row', { hasText: row }).first();
    await item.waitFor({ timeout: TIMEOUT });
    await item.click();
  }

  /** Waits for an input box titled like `title`, replaces its text with `text` and presses Enter. */
  async type(title: RegExp, text: string): Promise<void> {
    const widget = this.quickInput();
    await widget.locator('.quick-input-title', { hasText: title }).waitFor({ timeout: TIMEOUT });
    await widget.locator('.quick-input-box input.input').fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Accepts the quick pick titled like `title` as it is (its first row, or the multi-selection). */
  async accept(title: RegExp): Promise<void> {
    const widget = this.quickInput();
    await widget.locator('.quick-input-title', { hasText: title }).waitFor({ timeout: TIMEOUT });
    await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: TIMEOUT });
    await this.page.keyboard.press('Enter');
  }

  /** The panel's webview document. */
  panel(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  async openSidebar(containerTitle: string): Promise<void> {
    const item = this.page.locator(`.activitybar [aria-label^="${containerTitle}"]`).first();
    await item.waitFor({ timeout: TIMEOUT });
    const expanded = await item.getAttribute('aria-expanded');
    const selected = (await item.locator('xpath=..').getAttribute('class'))?.includes('checked');
    if (expanded !== 'true' && !selected) await item.click();
  }

  /** A row of a sidebar tree view, by the view's title and the row's text. */
  treeRow(view: string, text: string | RegExp): Locator {
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: view }) });
    return pane.locator('.monaco-list-row', { hasText: text });
  }

  /** An item of the open context menu. */
  menuItem(label: string): Locator {
    return this.page.locator('.monaco-menu .action-label', { hasText: label });
  }

  /** Polls `read` until `ok` holds; fails with the last value read. */
  async until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeout = TIMEOUT): Promise<T> {
    const end = Date.now() + timeout;
    let last: T | undefined;
    while (Date.now() < end) {
      try {
        last = await read();
        if (ok(last)) return last;
      } catch {
        // the element may be re-rendering
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`Timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
  }
}
