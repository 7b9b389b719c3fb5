import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../../src/teams/bounded-cache.js";

describe("a bounded cache", () => {
  it("never holds more than its bound, dropping the least recently used", () => {
    const cache = new BoundedCache<string, number>(3);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get("k9999")).toBe(9999);
    expect(cache.get("k0")).toBeUndefined();

    const lru = new BoundedCache<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.get("a");
    lru.set("c", 3);
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
  });

  it("forgets an entry once its time is up", () => {
    let now = 0;
    const cache = new BoundedCache<string, string>(10, () => now);
    cache.set("failed", "x", 30_000);
    now = 29_999;
    expect(cache.get("failed")).toBe("x");
    now = 30_000;
    expect(cache.get("failed")).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
