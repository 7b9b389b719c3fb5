// The migration runner on PGlite; each case works in a schema of its own on one shared in-memory database.
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate, migrationsDir } from "../../src/store/migrate.js";
import { SqlOutbox } from "../../src/store/sql-outbox.js";
import { PgliteClient } from "../../src/store/pglite-client.js";

describe("migrate", () => {
  let client: PgliteClient;
  let dir: string;
  let dirUrl: URL;
  let schemaCount = 0;

  beforeAll(async () => {
    client = await PgliteClient.open();
  });

  afterAll(async () => {
    await client.close();
  });

  beforeEach(async () => {
    schemaCount += 1;
    await client.exec(`CREATE SCHEMA case_${schemaCount}; SET search_path TO case_${schemaCount}`);
    dir = await mkdtemp(join(tmpdir(), "greenlight-migrations-"));
    dirUrl = pathToFileURL(`${dir}/`);
    return () => rm(dir, { recursive: true, force: true });
  });

  async function addFile(name: string, sql: string): Promise<void> {
    await writeFile(join(dir, name), sql);
  }

  async function recorded(): Promise<string[]> {
    const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY name");
    return rows.map((row) => row.name);
  }

  it("applies the files in name order, each once, and applies nothing on the next start", async () => {
    await addFile("002-fill.sql", "INSERT INTO t (x) VALUES (1);");
    await addFile("001-create.sql", "CREATE TABLE t (x int);");
    expect(await migrate(client, dirUrl)).toEqual(["001-create.sql", "002-fill.sql"]);
    expect(await migrate(client, dirUrl)).toEqual([]);
    expect((await client.query("SELECT x FROM t")).rows).toEqual([{ x: 1 }]);
    expect(await recorded()).toEqual(["001-create.sql", "002-fill.sql"]);
  });

  it("applies only a file added after the last start", async () => {
    await addFile("001-create.sql", "CREATE TABLE t (x int);");
    await migrate(client, dirUrl);
    await addFile("002-add-column.sql", "ALTER TABLE t ADD COLUMN y text;");
    expect(await migrate(client, dirUrl)).toEqual(["002-add-column.sql"]);
  });

  it("rolls back a failing file entirely, names it, and applies it once it is fixed", async () => {
    await addFile("001-create.sql", "CREATE TABLE t (x int);");
    await addFile("002-broken.sql", "CREATE TABLE u (x int);\nSELECT * FROM no_such_table;");
    await expect(migrate(client, dirUrl)).rejects.toThrow(/Migration 002-broken\.sql failed: .*no_such_table/);
    expect(await recorded()).toEqual(["001-create.sql"]);
    const tables = await client.query(
      "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'u'",
    );
    expect(tables.rows).toEqual([]);

    await addFile("002-broken.sql", "CREATE TABLE u (x int);");
    expect(await migrate(client, dirUrl)).toEqual(["002-broken.sql"]);
  });

  it("refuses a file that is not named NNN-name.sql, before applying anything", async () => {
    await addFile("001-create.sql", "CREATE TABLE t (x int);");
    await addFile("2-Oops.sql", "SELECT 1;");
    await expect(migrate(client, dirUrl)).rejects.toThrow(/NNN-lower-case-name\.sql: 2-Oops\.sql/);
    const tables = await client.query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema()");
    expect(tables.rows).toEqual([]);
  });

  it("applies each file once when two starts race on the same database", async () => {
    await addFile("001-create.sql", "CREATE TABLE t (x int);");
    await addFile("002-fill.sql", "INSERT INTO t (x) VALUES (1);");
    const [first, second] = await Promise.all([migrate(client, dirUrl), migrate(client, dirUrl)]);
    expect([...(first ?? []), ...(second ?? [])].sort()).toEqual(["001-create.sql", "002-fill.sql"]);
    expect((await client.query("SELECT x FROM t")).rows).toEqual([{ x: 1 }]);
  });

  it("upgrades an outbox written before messages named their subject, losing and re-sending none", async () => {
    const shipped = (await readdir(migrationsDir)).filter((name) => name < "006").sort();
    for (const name of shipped) await copyFile(join(fileURLToPath(migrationsDir), name), join(dir, name));
    await migrate(client, dirUrl);
    const now = new Date("2026-11-29T10:00:00Z");
    const minutes = (n: number): Date => new Date(now.getTime() + n * 60_000);
    await client.exec(`
      INSERT INTO rollouts (id, endpoint, phase, version, requested_at, updated_at, state)
        VALUES ('rollout-1', 'diabetes-prod', 'deploying', 1, now(), now(), '{}');
      INSERT INTO deletions (id, endpoint, phase, version, requested_at, updated_at, state)
        VALUES ('deletion-1', 'fraud-scoring', 'awaiting_approval', 1, now(), now(), '{}');`);
    const message = (subject: string, kind: string, fields: string, values: unknown[]) =>
      client.query(
        `INSERT INTO outbox (rollout_id, draft, created_at${fields}) VALUES ($1, $2::json, $3${values
          .map((_, i) => `, $${i + 4}`)
          .join("")})`,
        [
          subject,
          JSON.stringify({ kind, [subject.startsWith("rollout") ? "rolloutId" : "deletionId"]: subject }),
          now,
          ...values,
        ],
      );
    await message("rollout-1", "post_card", ", sent_at, attempts", [minutes(1), 1]);
    await message("rollout-1", "update_card", ", attempts, last_error, next_attempt_at", [2, "503", minutes(5)]);
    await message("rollout-1", "reply_in_thread", "", []);
    await message("deletion-1", "post_deletion_card", ", lease_owner, lease_until, attempts", ["old", minutes(3), 1]);

    expect(await migrate(client)).toEqual(["006-outbox-subjects.sql"]);

    const outbox = new SqlOutbox(client);
    const kinds = async (at: Date): Promise<[string, string, string, number][]> => {
      const claimed = await outbox.claim("new", at, 60_000, 10);
      for (const m of claimed) await outbox.markSent(m.id, at);
      return claimed.map((m) => [m.subject.kind, m.subject.id, m.draft.kind, m.attempts]);
    };
    // The sent post stays sent; the failed update waits for its retry; the deletion's card waits for its lease to end.
    expect(await kinds(minutes(2))).toEqual([]);
    expect(await kinds(minutes(5))).toEqual([
      ["rollout", "rollout-1", "update_card", 2],
      ["deletion", "deletion-1", "post_deletion_card", 1],
    ]);
    expect(await kinds(minutes(5))).toEqual([["rollout", "rollout-1", "reply_in_thread", 0]]);
    expect(await kinds(minutes(60))).toEqual([]);
  });
});
