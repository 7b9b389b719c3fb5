// A PostgreSQL server that accepts connections but never answers must fail GreenLight's start (and its queries)
// within the configured time, not hang it.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";

let silent: Server;
let port = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe("PostgreSQL time limits", () => {
  it("gives up connecting to a server that never answers, with a clear error", async () => {
    const opening = openStore({
      dataDir: "/nonexistent",
      databaseUrl: `postgres://greenlight@127.0.0.1:${port}/greenlight`,
      postgres: { connectTimeoutMs: 300, statementTimeoutMs: 300 },
    });
    await expect(opening).rejects.toThrow(/timeout/i);
  });
});
