/**
 * The slice of playwright-core's API the driver uses, typed here because playwright-core lives in the test
 * cache (setup.ts), not in the repository's node_modules; load() requires it from there.
 */
export interface BoundingBox { x: number; y: number; width: number; height: number }

export interface Locator {
  first(): Locator;
  last(): Locator;
  nth(i: number): Locator;
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  filter(options: { hasText?: string | RegExp; has?: Locator }): Locator;
  click(options?: { position?: { x: number; y: number }; timeout?: number; force?: boolean; button?: 'left' | 'right' }): Promise<void>;
  dblclick(options?: { timeout?: number }): Promise<void>;
  hover(options?: { timeout?: number }): Promise<void>;
  fill(value: string): Promise<void>;
  press(key: string): Promise<void>;
  count(): Promise<number>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  getAttribute(name: string): Promise<string | null>;
  isVisible(): Promise<boolean>;
  boundingBox(): Promise<BoundingBox | null>;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  /** Runs `fn` in the page on the matched element (for diagnostics). */
  evaluate<R>(fn: (el: { outerHTML: string }) => R): Promise<R>;
  selectOption(values: { label: string } | string): Promise<string[]>;
}

export interface Keyboard {
  press(key: string): Promise<void>;
  type(text: string, options?: { delay?: number }): Promise<void>;
}

export interface Mouse { click(x: number, y: number): Promise<void> }

export interface Page {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' }): Promise<unknown>;
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  waitForSelector(selector: string, options?: { timeout?: number; state?: 'attached' | 'visible' | 'hidden' | 'detached' }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
  on(event: 'close', f: () => void): void;
  on(event: 'console', f: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', f: (e: Error) => void): void;
  isClosed(): boolean;
  close(): Promise<void>;
  keyboard: Keyboard;
  mouse: Mouse;
}

export interface BrowserContext { newPage(): Promise<Page>; close(): Promise<void> }

export interface Browser {
  newContext(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export interface Chromium {
  launch(options: { executablePath: string; headless: boolean; args: string[]; timeout?: number }): Promise<Browser>;
}

export function loadPlaywright(dir: string): Chromium {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(dir) as { chromium: Chromium }).chromium;
}

/** Chromium flags that work as root, offline and without a GPU (reference §3b). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launchChromium(dir: string, executablePath: string): Promise<Browser> {
  const headless = process.env.HEADLESS !== '0';
  return loadPlaywright(dir).launch({ executablePath, headless, args: CHROMIUM_ARGS, timeout: 60_000 });
}
