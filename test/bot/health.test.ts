// /healthz (liveness: the process answers) and /readyz (readiness: the store answers a trivial query and the workspace
// a cheap ARM read), over the bot's real HTTP server: what a load balancer or App Service's health check sees when the
// store or the workspace stops answering, and while the bot stops. Over PostgreSQL, the bot runs as a child process
// and reaches the database through a proxy the test cuts (skipped unless TEST_DATABASE_URL is set).
import { connect, createServer, type Server, type Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { auditCount } from "../support/bot-fixtures.js";
import { BotHarness, personalMessage, USERS } from "../support/bot-harness.js";
import { BotProcess, waitFor } from "../support/bot-process.js";
import { ConnectorServer } from "../support/connector-server.js";
import { uniqueName } from "../support/unique-name.js";

const READY = { status: "ready", checks: { store: "ok", workspace: "ok" } };

async function get(h: BotHarness, path: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${h.app.bot.url}${path}`);
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

/** The store with a close() that may run twice: the test closes it to take the store down, the harness again after. */
function closableTwice(store: GreenLightStore): GreenLightStore {
  let closed: Promise<void> | undefined;
  return new Proxy(store, {
    get: (target, key, receiver) =>
      key === "close" ? () => (closed ??= target.close()) : (Reflect.get(target, key, receiver) as unknown),
  });
}

describe("when the store and the workspace answer", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers /readyz with 200, naming what it checked, and audits no probe", async () => {
    const before = await auditCount(h);
    const ready = await get(h, "/readyz");
    expect([ready.status, ready.body]).toEqual([200, READY]);
    expect(await auditCount(h)).toBe(before);
  });

  it("answers /healthz with 200", async () => {
    const live = await get(h, "/healthz");
    expect([live.status, live.body]).toEqual([200, { status: "ok" }]);
  });

  // Last: the bot takes no more work after it.
  it("answers /readyz and /api/messages with 503 once it stops taking work, and /healthz still with 200", async () => {
    h.app.bot.stopAccepting();
    expect(await get(h, "/readyz")).toMatchObject({ status: 503, body: { status: "stopping" } });
    expect((await h.post(personalMessage(h.connector.url, USERS.viewer, "whoami"))).status).toBe(503);
    expect((await get(h, "/healthz")).status).toBe(200);
  });
});

describe("when the workspace stops answering (the emulator stopped)", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers /readyz with 503 naming the workspace, within a few seconds, and /healthz with 200", async () => {
    expect((await get(h, "/readyz")).status).toBe(200);
    await h.emulator.close();
    // The answer of a moment ago is reused for 2 s, so a flood of probes is not a flood of ARM reads.
    const notReady = await waitFor(async () => {
      const answer = await get(h, "/readyz");
      return answer.status === 503 ? answer : undefined;
    }, "/readyz to notice");
    expect(notReady.body).toEqual({ status: "not ready", checks: { store: "ok", workspace: "unavailable" } });
    // ARM retries a refused connection; the probe's own limit (3 s) answers first.
    expect(notReady.ms).toBeLessThan(5000);
    expect((await get(h, "/healthz")).status).toBe(200);
    expect(h.logLines.filter((l) => l.includes('"not ready"'))).toHaveLength(1);
  });
});

describe("when the store stops answering (PGlite closed)", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ wrapStore: closableTwice });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers /readyz with 503 naming the store, and /healthz with 200", async () => {
    expect((await get(h, "/readyz")).status).toBe(200);
    await h.store.close();
    const notReady = await waitFor(async () => {
      const answer = await get(h, "/readyz");
      return answer.status === 503 ? answer : undefined;
    }, "/readyz to notice");
    expect(notReady.body).toEqual({ status: "not ready", checks: { store: "unavailable", workspace: "ok" } });
    expect((await get(h, "/healthz")).status).toBe(200);
  });
});

const databaseUrl = process.env["TEST_DATABASE_URL"];

describe.runIf(databaseUrl)(
  "a bot process on PostgreSQL whose database stops answering (TEST_DATABASE_URL set)",
  { timeout: 120_000 },
  () => {
    const schema = uniqueName("health").replace("-", "_");
    let root: string;
    let emulator: RunningEmulator;
    let connector: ConnectorServer;
    let proxy: DatabaseProxy;
    let bot: BotProcess;

    beforeAll(async () => {
      await withDatabase(databaseUrl ?? "", (db) => db.query(`CREATE SCHEMA ${schema}`));
      proxy = await DatabaseProxy.start(new URL(databaseUrl ?? ""));
      const url = new URL(databaseUrl ?? "");
      url.host = `127.0.0.1:${proxy.port}`;
      url.searchParams.set("options", `-c search_path=${schema}`);
      root = await mkdtemp(join(tmpdir(), "greenlight-health-"));
      emulator = await startEmulator({ dataDir: join(root, "emulator"), port: 0, provisioningDelayMs: 0 });
      connector = await new ConnectorServer().start();
      bot = await BotProcess.start({
        emulator,
        connector,
        dataDir: join(root, "bot"),
        env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_TIMEOUT_MS: "2000" },
        name: "bot",
      });
    });

    afterAll(async () => {
      await bot?.stop();
      await proxy?.close();
      await emulator?.close();
      await connector?.close();
      if (root) await rm(root, { recursive: true, force: true });
      await withDatabase(databaseUrl ?? "", (db) => db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    });

    it("answers /readyz with 503 naming the store while the database is silent, and 200 once it answers again", async () => {
      expect(await bot.get("/readyz")).toEqual({ status: 200, body: READY });
      // Connections stay open but nothing comes back: a hung database, not a refused one.
      proxy.silence();
      const started = performance.now();
      const notReady = await waitFor(async () => {
        const answer = await bot.get("/readyz");
        return answer?.status === 503 ? answer : undefined;
      }, "/readyz to notice");
      expect(notReady.body).toEqual({ status: "not ready", checks: { store: "unavailable", workspace: "ok" } });
      // The reused answer (2 s), then the probe's own limit (3 s): not the statement timeout (30 s).
      expect(performance.now() - started).toBeLessThan(8000);
      expect((await bot.get("/healthz"))?.status).toBe(200);

      proxy.restore();
      await waitFor(async () => (await bot.get("/readyz"))?.status === 200, "/readyz to be 200 again", 60_000);
    });
  },
);

/** A TCP proxy to PostgreSQL that can go silent (every connection hangs) and come back (new connections work). */
class DatabaseProxy {
  private silent = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  private constructor(private readonly target: URL) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: URL): Promise<DatabaseProxy> {
    const proxy = new DatabaseProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const address = proxy.server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy has no port");
    proxy.port = address.port;
    return proxy;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    if (this.silent) return;
    const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
    this.sockets.add(upstream);
    upstream.on("close", () => this.sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("data", (chunk) => {
      if (!this.silent) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!this.silent) client.write(chunk);
    });
  }

  /** From now on nothing passes, either way, and new connections are accepted and left hanging. */
  silence(): void {
    this.silent = true;
  }

  /** Drops every connection (the pool reconnects) and lets new ones through again. */
  restore(): void {
    this.silent = false;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function withDatabase(url: string, fn: (db: pg.Client) => Promise<unknown>): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await fn(db);
  } finally {
    await db.end();
  }
}
