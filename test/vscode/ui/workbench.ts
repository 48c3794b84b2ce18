/**
 * Workbench helpers for the UI suite: what a user does (quick open, go to line, click the gutter, press a
 * debug toolbar button) expressed with the selectors VS Code's own smoke tests use (test/automation).
 */
import type { Locator, Page } from './playwright';

export const DEBUG_VIEWLET = 'div[id="workbench.view.debug"]';

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 60_000 });
}

/** Runs a command from the Command Palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden' });
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible' });
}

export async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  // Enter before the picker has taken the value in is lost: wait for its "Go to line N" row first.
  await page.locator('.quick-input-widget', { hasText: `line ${line}` }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await currentLine(page, line);
}

/** The line number element of `line` in the active editor (must be rendered, e.g. after goToLine). */
function lineNumber(page: Page, line: number): Locator {
  return page.locator('.editor-instance .monaco-editor .margin-view-overlays .line-numbers').filter({ hasText: new RegExp(`^${line}$`) }).first();
}

/** Clicks the glyph margin left of the line number, where a user clicks to toggle a breakpoint. */
export async function clickGutter(page: Page, line: number): Promise<void> {
  const num = await lineNumber(page, line).boundingBox();
  const margin = await page.locator('.editor-instance .monaco-editor .margin').first().boundingBox();
  if (!num || !margin) throw new Error(`line ${line} is not rendered`);
  await page.mouse.click(margin.x + 8, num.y + num.height / 2);
}

/** Waits until the status bar shows the cursor on `line` (the editor reveals a stop by moving there). */
export async function currentLine(page: Page, line: number, timeout = 30_000): Promise<void> {
  await page.locator('.statusbar-item[id="status.editor.selection"]', { hasText: new RegExp(`Ln ${line},`) }).waitFor({ state: 'visible', timeout });
}

/** A view pane in the Run and Debug sidebar by title, expanded. */
export function paneLocator(page: Page, title: string): Locator {
  return page.locator(`${DEBUG_VIEWLET} .pane`, { has: page.locator('.pane-header .title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
}

export async function pane(page: Page, title: string): Promise<Locator> {
  const p = paneLocator(page, title);
  await p.waitFor({ state: 'visible' });
  const header = p.locator('.pane-header').first();
  if (await header.getAttribute('aria-expanded') === 'false') await header.click();
  return p;
}

export function toolbarButton(page: Page, label: string): Locator {
  return page.locator(`.debug-toolbar .action-label[aria-label^="${label}"]`).first();
}

/** The first list row in `scope` whose text matches, waited for. */
export async function row(scope: Locator, text: string | RegExp, timeout = 20_000): Promise<Locator> {
  const r = scope.locator('.monaco-list-row', { hasText: text }).first();
  await r.waitFor({ state: 'visible', timeout });
  return r;
}
