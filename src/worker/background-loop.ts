/**
 * Runs `round` now and then: at once when woken, else every `idleMs` (to pick up work other instances left due). One
 * round at a time; a wake during a round runs another right after it.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private halted = true;
  /** When rounds were asked for later (`wakeIn`), soonest first; one timer waits for the first. */
  private later: number[] = [];
  private laterTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True once stopped: a round in progress should finish what it holds and take no more. */
  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    this.halted = false;
    this.schedule(0);
  }

  /** There may be work due now: run a round without waiting for the idle interval. */
  wake(): void {
    if (this.halted) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * Work this instance stored becomes due in `ms` (an operation to look at again): a round then, rather than at the
   * next idle interval.
   */
  wakeIn(ms: number): void {
    if (this.halted) return;
    const at = Date.now() + Math.max(0, ms);
    const index = this.later.findIndex((t) => t > at);
    this.later.splice(index === -1 ? this.later.length : index, 0, at);
    if (index === 0 || this.later.length === 1) this.armLater();
  }

  /** Stops scheduling rounds, and waits for the one in progress. */
  async stop(): Promise<void> {
    this.halted = true;
    clearTimeout(this.timer);
    clearTimeout(this.laterTimer);
    this.later = [];
    await this.running;
  }

  /** Resolves once no round is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Runs one more round to its end, even when stopped: what is due now is done (tests, and shutdown). */
  async drain(): Promise<void> {
    await this.idle();
    await this.round();
  }

  private armLater(): void {
    clearTimeout(this.laterTimer);
    const first = this.later[0];
    if (first === undefined) return;
    this.laterTimer = setTimeout(
      () => {
        const now = Date.now();
        while ((this.later[0] ?? Infinity) <= now) this.later.shift();
        this.wake();
        this.armLater();
      },
      Math.max(0, first - Date.now()),
    );
    this.laterTimer.unref();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
          if (this.halted) return;
          const more = this.again;
          this.again = false;
          this.schedule(more ? 0 : this.idleMs);
        });
    }, ms);
  }
}
