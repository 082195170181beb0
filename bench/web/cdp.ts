import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * Chromium driven over `--remote-debugging-pipe` with only the DevTools domains the bench needs
 * (Target, Runtime, Browser downloads, Profiler): no Network domain. Playwright enables it in every
 * page and worker, and DevTools then keeps a copy of every response body (up to ~190 MiB per
 * renderer): in this Chromium a page's 4 MiB range fetches ran at 164 MB/s with it against 550
 * without, and its renderer grew by 200 MiB instead of 27 (BENCHMARKS.md "web"). A buyer's browser
 * has no DevTools attached, so the bench measures without it.
 */
export class Chromium {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<(params: Record<string, unknown>, sessionId?: string) => void>>();
  private pending = '';

  private constructor(private readonly proc: ChildProcess) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.pending += chunk;
      for (let end = this.pending.indexOf('\0'); end >= 0; end = this.pending.indexOf('\0')) {
        const msg = JSON.parse(this.pending.slice(0, end)) as {
          id?: number;
          method?: string;
          params?: Record<string, unknown>;
          sessionId?: string;
          result?: unknown;
          error?: { message: string };
        };
        this.pending = this.pending.slice(end + 1);
        if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          if (msg.error) w?.reject(new Error(msg.error.message));
          else w?.resolve(msg.result);
        } else if (msg.method) for (const l of this.listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
      }
    });
  }

  /** Starts headless Chromium on a profile of its own (`userDataDir`), as a buyer's browser: on disk, not incognito. */
  static async launch(executablePath: string, userDataDir: string): Promise<Chromium> {
    const proc = spawn(
      executablePath,
      [
        '--headless',
        '--no-sandbox',
        '--remote-debugging-pipe',
        `--user-data-dir=${userDataDir}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-background-timer-throttling',
        '--disable-backgrounding-occluded-windows',
        '--disable-renderer-backgrounding',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-extensions',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--password-store=basic',
        '--use-mock-keychain',
        '--mute-audio',
        // No renderer kept ready for the next navigation, and none for the omnibox's WebUI popup
        // (Chromium 156 starts one per window: a renderer of the browser's own UI, ~55-70 MiB PSS):
        // the bench counts the app's renderers only.
        '--disable-features=SpareRendererForSitePerProcess,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const browser = new Chromium(proc);
    await browser.send('Browser.getVersion');
    return browser;
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      (this.proc.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  on(method: string, listener: (params: Record<string, unknown>, sessionId?: string) => void): () => void {
    const set = this.listeners.get(method) ?? new Set();
    set.add(listener);
    this.listeners.set(method, set);
    return () => set.delete(listener);
  }

  /**
   * Closes the tabs Chromium opened at start (only the bench's own renderers then count) and saves
   * downloads to `downloadPath`, with download progress events.
   */
  async closeStartPagesAndSaveDownloadsTo(downloadPath: string): Promise<void> {
    const { targetInfos } = await this.send<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets');
    for (const t of targetInfos) if (t.type === 'page') await this.send('Target.closeTarget', { targetId: t.targetId });
    await this.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath, eventsEnabled: true });
  }

  /** A new tab at `url`, once its document has loaded. */
  async newPage(url: string, onError: (text: string) => void): Promise<CdpPage> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(this, targetId, sessionId, onError);
    await this.send('Runtime.enable', {}, sessionId);
    await page.goto(url);
    return page;
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => undefined);
    await new Promise((resolve) => (this.proc.exitCode !== null ? resolve(null) : this.proc.once('exit', resolve)));
  }
}

/** One tab: evaluate script in it (optionally as a user's gesture), navigate, close. */
export class CdpPage {
  private readonly stopListening: (() => void)[];

  constructor(
    readonly browser: Chromium,
    private readonly targetId: string,
    readonly sessionId: string,
    onError: (text: string) => void,
  ) {
    // What goes wrong in the page shows on stderr (the table alone would only show a timeout).
    this.stopListening = [
      browser.on('Runtime.exceptionThrown', (p, s) => {
        if (s !== sessionId) return;
        const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
        onError(`page error: ${d.exception?.description ?? d.text}`);
      }),
      browser.on('Runtime.consoleAPICalled', (p, s) => {
        if (s !== sessionId || p.type !== 'error') return;
        const args = p.args as { value?: unknown; description?: string }[];
        onError(`page console: ${args.map((a) => a.description ?? JSON.stringify(a.value)).join(' ')}`);
      }),
    ];
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  /** `fn(arg)` in the page (awaited, result by value); `userGesture`: as if the user clicked (save dialogs, playback). */
  async evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A, userGesture = false): Promise<T> {
    const r = await this.send<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>('Runtime.evaluate', {
      expression: `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`,
      awaitPromise: true,
      returnByValue: true,
      userGesture,
    });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value as T;
  }

  /** Navigates and waits for the document's load event. */
  async goto(url: string): Promise<void> {
    await this.send('Runtime.evaluate', { expression: `location.href = ${JSON.stringify(url)}` });
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const ready = await this.evaluate(() => {
        const g = globalThis as unknown as { location: { href: string }; document: { readyState: string } };
        return `${g.location.href} ${g.document.readyState}`;
      }).catch(() => '');
      if (ready === `${url} complete`) return;
      if (i > 1200) throw new Error(`${url} did not load within 60 s (${ready})`);
    }
  }

  async close(): Promise<void> {
    for (const stop of this.stopListening) stop();
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
