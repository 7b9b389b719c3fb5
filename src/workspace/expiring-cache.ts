/** A value and until when (epoch ms) it may be reused; a time already past keeps it for no one after this caller. */
export interface Loaded<V> {
  value: V;
  keepUntil: number;
}

interface Entry<V> {
  value: Promise<V>;
  keepUntil: number;
}

/**
 * Values loaded once per key and reused until they expire. Concurrent gets of a cold key share one load; a load that
 * fails is not kept. `cached` tells a caller whether the value may have gone stale since it was loaded.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string, load: () => Promise<Loaded<V>>): Promise<{ value: V; cached: boolean }> {
    const hit = this.entries.get(key);
    if (hit && hit.keepUntil > this.now()) return { value: await hit.value, cached: true };
    const entry: Entry<V> = { value: Promise.resolve(undefined as V), keepUntil: Number.POSITIVE_INFINITY };
    entry.value = load().then((loaded) => {
      entry.keepUntil = loaded.keepUntil;
      if (loaded.keepUntil <= this.now()) this.forget(key, entry);
      return loaded.value;
    });
    this.entries.set(key, entry);
    try {
      return { value: await entry.value, cached: false };
    } catch (error) {
      this.forget(key, entry);
      throw error;
    }
  }

  /** Keeps a value some other read came by, in place of whatever is kept. */
  set(key: string, value: V, keepUntil: number): void {
    this.entries.set(key, { value: Promise.resolve(value), keepUntil });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private forget(key: string, entry: Entry<V>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
