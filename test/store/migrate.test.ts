// The migration runner on PGlite, each case in a schema of its own on one shared in-memory database; and the upgrades
// of rows older versions wrote, on PGlite and (when TEST_DATABASE_URL is set) on PostgreSQL, each in a new database or
// schema brought to the version that wrote them by the shipped migrations before the upgrade.
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withAdmin } from "../support/postgres-admin.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { systemClock } from "../../src/ports/clock.js";
import type { ChannelAddress, Mention, MessageRef, Notice, Notifier } from "../../src/ports/notifier.js";
import { deletionValues } from "../../src/store/deletion-rows.js";
import { migrate, migrationsDir } from "../../src/store/migrate.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { PostgresClient } from "../../src/store/postgres-client.js";
import { rolloutValues } from "../../src/store/rollout-rows.js";
import type { SqlClient } from "../../src/store/sql-client.js";
import { ChangeTable } from "../../src/store/change-table.js";
import { deletionTable } from "../../src/store/deletion-rows.js";
import { SqlOutbox } from "../../src/store/sql-outbox.js";
import { rolloutTable } from "../../src/store/rollout-rows.js";
import { OutboxSender } from "../../src/worker/outbox-sender.js";
import { aDeletion } from "../support/a-deletion.js";
import { aRollout } from "../support/a-rollout.js";
import { asMarkdown } from "../support/card-markdown.js";
import { uniqueName } from "../support/unique-name.js";

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
});

/** A database of one case's own, with no tables yet. */
interface Scratch {
  client: SqlClient;
  dispose(): Promise<void>;
}

const postgresUrl = process.env["TEST_DATABASE_URL"];

const databases: { name: string; runs: boolean; open: () => Promise<Scratch> }[] = [
  {
    name: "PGlite",
    runs: true,
    open: async () => {
      const client = await PgliteClient.open();
      return { client, dispose: () => client.close() };
    },
  },
  { name: "PostgreSQL (TEST_DATABASE_URL set)", runs: postgresUrl !== undefined, open: () => inNewSchema(postgresUrl) },
];

for (const database of databases) {
  describe.runIf(database.runs)(`upgrading the outbox on ${database.name}`, () => {
    let scratch: Scratch;
    let client: SqlClient;

    beforeEach(async () => {
      scratch = await database.open();
      client = scratch.client;
    });

    afterEach(async () => {
      await scratch.dispose();
    });

    it("keeps the sent marks, attempts, retries and leases of messages written before they named their subject", async () => {
      await migrateBefore(client, "006");
      const now = new Date("2026-11-29T10:00:00Z");
      const minutes = (n: number): Date => new Date(now.getTime() + n * 60_000);
      await insertRollout(client, aRollout({ id: "rollout-1" }));
      await insertDeletion(client, aDeletion({ id: "deletion-1" }));
      const text = (t: string): Notice => ({ kind: "text", text: asMarkdown(t) });
      await writeOld(client, { kind: "post_card", rolloutId: "rollout-1", notice: text("card") }, now, {
        sent_at: minutes(1),
        attempts: 1,
      });
      await writeOld(client, { kind: "update_card", rolloutId: "rollout-1", notice: text("update") }, now, {
        attempts: 2,
        last_error: "503",
        next_attempt_at: minutes(5),
      });
      await writeOld(client, { kind: "reply_in_thread", rolloutId: "rollout-1", text: "ping", mentions: [] }, now);
      await writeOld(client, { kind: "post_deletion_card", deletionId: "deletion-1", notice: text("card") }, now, {
        lease_owner: "old",
        lease_until: minutes(3),
        attempts: 1,
      });

      expect(await migrate(client)).toEqual([
        "006-outbox-subjects.sql",
        "007-drafts-without-subjects.sql",
        "008-outbox-given-up.sql",
      ]);

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
        ["deletion", "deletion-1", "post_card", 1],
      ]);
      expect(await kinds(minutes(5))).toEqual([["rollout", "rollout-1", "reply_in_thread", 0]]);
      expect(await kinds(minutes(60))).toEqual([]);
    });

    it("sends each message an older version wrote once, to the same place and saying the same", async () => {
      await migrateBefore(client, "006");
      const now = new Date("2026-11-29T10:00:00Z");
      const rollout = aRollout({ id: "rollout-1", requesterConversationId: "a:alex" });
      const deletion = aDeletion({ id: "deletion-1", requesterConversationId: "a:adele" });
      await insertRollout(client, rollout);
      await insertDeletion(client, deletion);
      const rolloutCard: MessageRef = { conversation: { id: "19:release" }, activityId: "rollout-card" };
      await client.query("UPDATE rollouts SET card = $2::json WHERE id = $1", [
        rollout.id,
        JSON.stringify(rolloutCard),
      ]);
      const followers: ChannelAddress = { serviceUrl: "https://smba.example/emea/", channelId: "19:ml-platform" };
      const megan: Mention = { id: "29:1megan", name: "Megan Bowen" };
      const text = (t: string): Notice => ({ kind: "text", text: asMarkdown(t) });
      // A log tail as a card can carry it: a NUL, text that looks like its escape, quotes, half a surrogate pair.
      const tail = text('Traceback: ValueError\u0000 "café" \\u0000 \ud83d');
      const deletionCard: Notice = { kind: "card", card: "deletion", data: { endpoint: "fraud-scoring" } };
      // As the older version wrote them: the kind, its subject's id, then the rest; the rollout's card was posted.
      const old = [
        { kind: "post_card", rolloutId: rollout.id, notice: text("card") },
        { kind: "update_card", rolloutId: rollout.id, notice: tail },
        { kind: "reply_in_thread", rolloutId: rollout.id, text: "Approve step 1", mentions: [megan] },
        { kind: "post_notice", rolloutId: rollout.id, channel: followers, notice: text("paused") },
        { kind: "personal_message", rolloutId: rollout.id, conversationId: "a:alex", notice: text("yours paused") },
        { kind: "post_deletion_card", deletionId: deletion.id, notice: deletionCard },
        { kind: "update_deletion_card", deletionId: deletion.id, notice: text("deleting") },
        { kind: "deletion_notice", deletionId: deletion.id, channel: followers, notice: text("deleted") },
        {
          kind: "deletion_personal_message",
          deletionId: deletion.id,
          conversationId: "a:adele",
          notice: text("yours deleted"),
        },
      ];
      for (const [i, draft] of old.entries()) await writeOld(client, draft, now, i === 0 ? { sent_at: now } : {});

      await migrate(client);

      expect((await client.query<{ draft: unknown }>("SELECT draft FROM outbox ORDER BY id")).rows).toEqual(
        [
          { kind: "post_card", notice: text("card") },
          { kind: "update_card", notice: tail },
          { kind: "reply_in_thread", text: "Approve step 1", mentions: [megan] },
          { kind: "post_notice", channel: followers, notice: text("paused") },
          { kind: "personal_message", conversationId: "a:alex", notice: text("yours paused") },
          { kind: "post_card", notice: deletionCard },
          { kind: "update_card", notice: text("deleting") },
          { kind: "post_notice", channel: followers, notice: text("deleted") },
          { kind: "personal_message", conversationId: "a:adele", notice: text("yours deleted") },
        ].map((draft) => ({ draft })),
      );
      const teams = new RecordingTeams();
      const deletions = new ChangeTable(client, deletionTable);
      const sender = new OutboxSender({
        outbox: new SqlOutbox(client),
        rollouts: new ChangeTable(client, rolloutTable),
        deletions,
        notifier: teams,
        clock: systemClock,
        log: silentLogger,
        idleMs: 60_000,
        leaseMs: 60_000,
      });
      // Each round sends one batch when the sender is not started: round after round, until one sends nothing.
      for (let sent = -1, round = 0; sent < teams.sent.length && round < 10; round++) {
        sent = teams.sent.length;
        await sender.drain();
      }
      // The oldest unsent message of each subject at a time, a rollout's and a deletion request's side by side.
      expect(teams.sent).toEqual([
        ["update", "rollout-card", tail],
        ["post", deletion.channel.channelId, deletionCard],
        ["reply", "rollout-card", "Approve step 1", [megan]],
        ["update", "posted-1", text("deleting")],
        ["post", followers.channelId, text("paused")],
        ["post", followers.channelId, text("deleted")],
        ["direct", "a:alex", text("yours paused")],
        ["direct", "a:adele", text("yours deleted")],
      ]);
      expect(await deletions.getCard(deletion.id)).toEqual({
        conversation: { id: "19:release@thread.tacv2" },
        activityId: "posted-1",
      });
    });

    it("stops at an unsent draft that names its subject some other way, rather than start with it stuck", async () => {
      await migrateBefore(client, "006");
      await insertRollout(client, aRollout({ id: "rollout-1" }));
      const notice: Notice = { kind: "text", text: asMarkdown("update") };
      await writeOld(client, { notice, kind: "update_card", rolloutId: "rollout-1" }, new Date());
      await expect(migrate(client)).rejects.toThrow(
        /Migration 007-drafts-without-subjects\.sql failed: .*name their subject/,
      );
      const { rows } = await client.query<{ draft: unknown }>("SELECT draft FROM outbox");
      expect(rows).toEqual([{ draft: { notice, kind: "update_card", rolloutId: "rollout-1" } }]);
    });
  });
}

/** Teams as a list of what was sent; the n-th post answers with activity id `posted-n`. */
class RecordingTeams implements Notifier {
  readonly sent: unknown[][] = [];
  private posts = 0;

  postToChannel(channel: ChannelAddress, notice: Notice): Promise<MessageRef> {
    this.sent.push(["post", channel.channelId, notice]);
    this.posts += 1;
    return Promise.resolve({ conversation: { id: channel.channelId }, activityId: `posted-${this.posts}` });
  }

  update(message: MessageRef, notice: Notice): Promise<void> {
    this.sent.push(["update", message.activityId, notice]);
    return Promise.resolve();
  }

  replyInThread(message: MessageRef, text: string, mentions: readonly Mention[]): Promise<void> {
    this.sent.push(["reply", message.activityId, text, mentions]);
    return Promise.resolve();
  }

  sendToConversation(conversationId: string, notice: Notice): Promise<boolean> {
    this.sent.push(["direct", conversationId, notice]);
    return Promise.resolve(true);
  }
}

/** Applies the shipped migrations whose names sort before `name`: the schema an older version left. */
async function migrateBefore(client: SqlClient, name: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "greenlight-shipped-"));
  try {
    const shipped = (await readdir(migrationsDir)).filter((file) => file < name);
    for (const file of shipped) await copyFile(join(fileURLToPath(migrationsDir), file), join(dir, file));
    await migrate(client, pathToFileURL(`${dir}/`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const insertSubject = "(id, endpoint, phase, requested_at, updated_at, next_run_at, state, version)";

async function insertRollout(client: SqlClient, rollout: Parameters<typeof rolloutValues>[0]): Promise<void> {
  await client.query(`INSERT INTO rollouts ${insertSubject} VALUES ($1, $2, $3, $4, $5, $6, $7::json, 1)`, [
    rollout.id,
    ...rolloutValues(rollout),
  ]);
}

async function insertDeletion(client: SqlClient, deletion: Parameters<typeof deletionValues>[0]): Promise<void> {
  await client.query(`INSERT INTO deletions ${insertSubject} VALUES ($1, $2, $3, $4, $5, $6, $7::json, 1)`, [
    deletion.id,
    ...deletionValues(deletion),
  ]);
}

/** An outbox row as versions before 006 wrote it: under `rollout_id`, the draft naming its subject. */
async function writeOld(
  client: SqlClient,
  draft: { kind: string; [field: string]: unknown } & ({ rolloutId: string } | { deletionId: string }),
  at: Date,
  columns: Record<string, unknown> = {},
): Promise<void> {
  const names = Object.keys(columns);
  const subject = "rolloutId" in draft ? draft.rolloutId : draft.deletionId;
  await client.query(
    `INSERT INTO outbox (rollout_id, draft, created_at${names.map((n) => `, ${n}`).join("")})
     VALUES ($1, $2::json, $3${names.map((_, i) => `, $${i + 4}`).join("")})`,
    [subject, JSON.stringify(draft), at, ...Object.values(columns)],
  );
}

/** A new schema in `url`'s PostgreSQL database, reached through the connection's search_path; dropped at the end. */
async function inNewSchema(url = ""): Promise<Scratch> {
  const schema = uniqueName("migrate").replace("-", "_");
  await withAdmin(url, (admin) => admin.query(`CREATE SCHEMA ${schema}`));
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set("options", `-c search_path=${schema}`);
  const client = new PostgresClient(schemaUrl.toString());
  return {
    client,
    dispose: async () => {
      await client.close();
      await withAdmin(url, (admin) => admin.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}
