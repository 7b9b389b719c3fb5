/**
 * At most `limit` clicks in flight; a click waiting for a slot goes before background ones (stale replays that keep
 * the bots busy), so a fresh approval is sent as soon as a slot frees.
 */
export class ClickPool {
  private active = 0;
  private readonly waiting = { first: [] as (() => void)[], background: [] as (() => void)[] };

  constructor(readonly limit: number) {}

  async run<T>(click: () => Promise<T>, priority: "first" | "background"): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    try {
      return await click();
    } finally {
      // The slot goes straight to the next click waiting, or is freed.
      const next = this.waiting.first.shift() ?? this.waiting.background.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
