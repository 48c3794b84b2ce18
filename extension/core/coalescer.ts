/**
 * Runs an async job so that calls never overlap and bursts collapse: a call while the job runs schedules one
 * more run after it, however many calls arrive. Views refresh through this, so a burst of stop and
 * stateChanged events costs at most two round trips.
 */
export class Coalescer {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly job: () => Promise<void>) {}

  /** Resolves once a run that started after this call has finished. */
  trigger(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try { await this.job(); } catch { /* the job reports its own errors */ }
      } while (this.again);
    } finally {
      this.running = undefined;
    }
  }
}
