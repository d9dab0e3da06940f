/**
 * A background loop that pauses between rounds and can be woken early: the outbox relay and the
 * adapters' pollers (XTA mailboxes, FIT-Connect destinations) run on it, so starting, stopping
 * and the wake-up of a pause behave the same everywhere.
 *
 * @example
 * const loop = new BackgroundLoop(async () => {
 *   while (loop.running) {
 *     await work();
 *     await loop.sleep(1000);
 *   }
 * });
 * loop.start();
 * loop.wake(); // ends the current pause at once
 * await loop.stop(); // ends the pause and waits for the body to return
 */
export class BackgroundLoop {
  private active = false;
  private done: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly body: () => Promise<void>) {}

  /** True from `start` until `stop`; the body's loop condition. */
  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.done = this.body();
  }

  /** Ends a pause in progress and waits until the body has returned. */
  async stop(): Promise<void> {
    this.active = false;
    this.wake();
    await this.done;
  }

  /** Ends the pauses in progress now (no effect when none is). */
  wake(): void {
    for (const w of [...this.sleepers]) w();
  }

  /** Pauses for `ms`, or until `wake` or `stop`. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wakeUp = () => {
        clearTimeout(timer);
        this.sleepers.delete(wakeUp);
        resolve();
      };
      const timer = setTimeout(wakeUp, ms);
      this.sleepers.add(wakeUp);
    });
  }
}

/**
 * The pause after the `failures`-th failure in a row: the poll interval doubled per failure
 * (capped at 2^16 to stay finite), never longer than `maxMs`.
 */
export function backoffMs(failures: number, intervalMs: number, maxMs: number): number {
  return Math.min(maxMs, intervalMs * 2 ** Math.min(failures - 1, 16));
}

/** Whether the `failures`-th failure in a row is logged: the first and every tenth, not each. */
export function logsFailure(failures: number): boolean {
  return failures === 1 || failures % 10 === 0;
}
