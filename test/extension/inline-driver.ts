/**
 * Plays VS Code's part for an inline debug adapter in tests: sends requests, routes every message through a
 * DebugAdapterTracker the way the workbench does, and waits for events.
 */
interface Message { type: string; seq: number; command?: string; request_seq?: number; success?: boolean; message?: string; event?: string; body?: unknown }
interface InlineAdapter { handleMessage(m: unknown): void; onDidSendMessage(l: (m: Message) => void): unknown; dispose(): void }
interface Tracker { onWillReceiveMessage?(m: unknown): void; onDidSendMessage?(m: unknown): void }

export class InlineDriver {
  private seq = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  private readonly waiters: { event: string; resolve: (m: Message) => void }[] = [];
  tracker: Tracker | undefined;

  constructor(private readonly adapter: InlineAdapter) {
    adapter.onDidSendMessage((m) => {
      this.tracker?.onDidSendMessage?.(m);
      if (m.type === 'response') this.pending.get(m.request_seq!)?.(m);
      if (m.type !== 'event') return;
      for (const w of this.waiters.filter((x) => x.event === m.event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
  }

  /** Resolves with the response body; rejects with the adapter's message on failure. */
  request(command: string, args?: unknown): Promise<unknown> {
    const msg = { seq: this.seq++, type: 'request', command, arguments: args };
    this.tracker?.onWillReceiveMessage?.(msg);
    return new Promise((resolve, reject) => {
      this.pending.set(msg.seq, (r) => (r.success ? resolve(r.body) : reject(new Error(r.message ?? command))));
      this.adapter.handleMessage(msg);
    });
  }

  /** Register before the action that causes the event. */
  next(event: string): Promise<Message> {
    return new Promise((resolve) => this.waiters.push({ event, resolve }));
  }
}
