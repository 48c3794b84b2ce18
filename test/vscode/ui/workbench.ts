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

/**
 * Runs a command from the Command Palette (F1) by its title, exactly as the palette shows it: waits for the
 * row with that title to be the highlighted one, then presses Enter (a click on the row races its rendering).
 * A palette opened while the workbench is still handling a stop lists commands by the old context keys and is
 * closed when the stop's editor takes focus, so an attempt that does not get there in 5 s is made again
 * (logged as [retry]; callers should first wait for the stop to settle, as the UI steps do).
 */
export async function runCommand(page: Page, title: string, attempts = 3): Promise<void> {
  const widget = page.locator('.quick-input-widget').first();
  const input = page.locator('.quick-input-widget input').first();
  const exact = new RegExp(`(^|: )${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const focusedRow = page.locator('.quick-input-list .monaco-list-row.focused', { has: page.locator('.label-name', { hasText: exact }) }).first();
  for (let i = 1; ; i++) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      await focusedRow.waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.press('Enter');
      await widget.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (i >= attempts) throw new Error(`Command Palette: "${title}" did not run: ${(e as Error).message.split('\n')[0]}`);
      console.log(`    [retry] Command Palette attempt ${i} for "${title}": ${(e as Error).message.split('\n')[0]}`);
      if (await widget.isVisible()) await page.keyboard.press('Escape');
    }
  }
}

/** Closes every notification toast, so a later toast is known to come from what the test did after. */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden', timeout: 5_000 });
}

export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  // Enter before the list has been filtered opens whatever row was highlighted first.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 15_000 });
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
