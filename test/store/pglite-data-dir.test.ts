// PGlite's data folder holds the catalog, pg_hba.conf and a WAL with audit rows: nobody but the bot's user may enter
// it, and no file in it may be writable by others (files PostgreSQL makes while running follow the umask, 0644, behind
// the 0700 folder). Each case opens the bot's store in a folder of its own and writes an audit row, so the WAL has one.
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { databaseTemplate } from "../../src/store/pglite-template.js";

describe("PGlite data folder", () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "greenlight-pglite-dir-"));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function useStore(dataDir: string): Promise<void> {
    const store = await openStore({ dataDir });
    await store.records.appendAudit({
      at: new Date("2025-01-01T00:00:00Z"),
      actor: { id: "user-alexw", name: "Alex Wilber" },
      action: "invoke",
      target: "diabetes-prod",
      outcome: "ok",
      correlationId: "c0ffee",
    });
    await store.close();
  }

  async function mode(path: string): Promise<string> {
    return ((await stat(path)).mode & 0o777).toString(8);
  }

  /** Every path under `dir` that its group or other users may write, with its mode. */
  async function writableByOthers(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const loose: string[] = [];
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      const { mode: m } = await stat(path);
      if (m & 0o022) loose.push(`${path.slice(dir.length + 1)} ${(m & 0o777).toString(8)}`);
    }
    return loose;
  }

  it("creates the data folder and the database folder for the bot's user alone", async () => {
    const dataDir = join(root, "greenlight");
    await useStore(dataDir);

    expect(await mode(dataDir)).toBe("700");
    expect(await mode(join(dataDir, "pglite"))).toBe("700");
    expect(await writableByOthers(dataDir)).toEqual([]);
  });

  it("closes a database folder that already exists open to everyone (0777)", async () => {
    await mkdir(join(root, "pglite"));
    await chmod(join(root, "pglite"), 0o777);
    await useStore(root);

    expect(await mode(join(root, "pglite"))).toBe("700");
    expect(await writableByOthers(join(root, "pglite"))).toEqual([]);
  });

  it("closes the files of a database created before, and keeps its rows", async () => {
    const earlier = await PGlite.create(join(root, "pglite"));
    await earlier.close();
    await useStore(root);
    await useStore(root);

    expect(await mode(join(root, "pglite"))).toBe("700");
    expect(await writableByOthers(join(root, "pglite"))).toEqual([]);
    const store = await openStore({ dataDir: root });
    expect(await store.records.latestAudit({ limit: 10 })).toHaveLength(2);
    await store.close();
  });

  it("gives PostgreSQL the page cache it is configured with", async () => {
    const client = await PgliteClient.open(join(root, "pglite"), { sharedBuffersMb: 16 });
    const { rows } = await client.query<{ shared_buffers: string }>("SHOW shared_buffers");
    await client.close();
    expect(rows).toEqual([{ shared_buffers: "16MB" }]);
  });

  it("makes each new database a copy of one template that no store changes: two stores never share a row", async () => {
    await useStore(join(root, "first"));
    const template = (await databaseTemplate())!;
    const before = await filesOf(template);
    await useStore(join(root, "second"));
    const third = await openStore({ dataDir: join(root, "third") });

    expect(template).toContain(join("node_modules", ".cache", "greenlight", "pglite-"));
    expect(await mode(template)).toBe("700");
    expect(await third.records.latestAudit({ limit: 10 })).toEqual([]);
    await third.close();
    expect(await filesOf(template)).toEqual(before);
  });

  /** Each file under `dir` with its size and modification time. */
  async function filesOf(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    return Promise.all(
      files.sort().map(async (f) => {
        const { size, mtimeMs } = await stat(f);
        return `${f} ${size} ${mtimeMs}`;
      }),
    );
  }
});
