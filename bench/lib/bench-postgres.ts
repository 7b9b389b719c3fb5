import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chown, mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);
const POSTGRES_ROOT = "/usr/lib/postgresql";

/** A PostgreSQL database a benchmark may create and drop schemas in, or why there is none. */
export type BenchPostgres =
  | {
      url: string;
      /** Where it comes from, for the report (no password). */
      origin: string;
      /** A connection string for a schema of its own (created now; dropped by `close`). */
      schema(prefix: string): Promise<string>;
      /** Drops the schemas made here, and stops and removes a throwaway server. */
      close(): Promise<void>;
    }
  | { skipped: string };

/**
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL) when set; otherwise a throwaway server started the way `.ci/run` starts
 * one — the newest /usr/lib/postgresql/<version>/bin, initdb and pg_ctl as the postgres user when this is root, trust
 * auth on 127.0.0.1 and a free port, durability off — and removed afterwards (also if the bench exits half-way).
 * Unlike `.ci/run` it installs nothing and creates no user: without them the part that needs PostgreSQL is skipped.
 */
export async function benchPostgres(): Promise<BenchPostgres> {
  const given = process.env.BENCH_DATABASE_URL?.trim()
    ? { url: process.env.BENCH_DATABASE_URL.trim(), name: "BENCH_DATABASE_URL" }
    : process.env.TEST_DATABASE_URL?.trim()
      ? { url: process.env.TEST_DATABASE_URL.trim(), name: "TEST_DATABASE_URL" }
      : undefined;
  if (given) return withSchemas(given.url, `${given.name} (${hostOf(given.url)})`, () => {});
  return startThrowaway();
}

async function startThrowaway(): Promise<BenchPostgres> {
  const bin = newestPostgresBin();
  if (!bin) {
    return {
      skipped:
        `PostgreSQL is not installed (no ${POSTGRES_ROOT}/<version>/bin with initdb and pg_ctl) and neither ` +
        "BENCH_DATABASE_URL nor TEST_DATABASE_URL is set",
    };
  }
  // initdb refuses to run as root: as root the cluster belongs to the postgres user (the package creates it).
  let runAs: string[] = [];
  let owner: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    owner = await postgresUser();
    if (!owner) return { skipped: "running as root and there is no postgres user to run a throwaway PostgreSQL as" };
    runAs = ["runuser", "-u", "postgres", "--"];
  }
  /** A PostgreSQL program as the cluster's owner: [command, args]. */
  const as = (program: string, args: string[]): [string, string[]] => {
    const [command = "", ...rest] = [...runAs, join(bin, program), ...args];
    return [command, rest];
  };
  const dir = await mkdtemp(join(tmpdir(), "greenlight-bench-postgres-"));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  let started = false;
  const stopSync = (): void => {
    if (started) {
      try {
        execFileSync(...as("pg_ctl", [`--pgdata=${data}`, "--mode=immediate", "stop"]), { stdio: "ignore" });
      } catch {
        // Already stopped.
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A bench that throws or exits half-way leaves no server behind.
  process.once("exit", stopSync);
  try {
    await run(
      ...as("initdb", [
        `--pgdata=${data}`,
        "--username=postgres",
        "--auth=trust",
        "--no-sync",
        "--encoding=UTF8",
        "--locale=C",
      ]),
    );
    const port = await freePort();
    started = true;
    await run(
      ...as("pg_ctl", [
        `--pgdata=${data}`,
        `--log=${join(dir, "server.log")}`,
        "--wait",
        "--timeout=60",
        `--options=-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
        "start",
      ]),
    );
    const version = (await run(join(bin, "postgres"), ["--version"])).stdout.trim().split(/\s+/)[2] ?? "?";
    return withSchemas(`postgres://postgres@127.0.0.1:${port}/postgres`, `a throwaway PostgreSQL ${version}`, () => {
      process.removeListener("exit", stopSync);
      stopSync();
    });
  } catch (error) {
    process.removeListener("exit", stopSync);
    stopSync();
    throw new Error(`could not start a throwaway PostgreSQL from ${bin}: ${String(error)}`);
  }
}

function withSchemas(url: string, origin: string, stop: () => void): BenchPostgres {
  const made: string[] = [];
  const admin = async (sql: string): Promise<void> => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(sql);
    } finally {
      await db.end();
    }
  };
  return {
    url,
    origin,
    async schema(prefix) {
      const name = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
      await admin(`CREATE SCHEMA ${name}`);
      made.push(name);
      const withPath = new URL(url);
      withPath.searchParams.set("options", `-c search_path=${name}`);
      return withPath.toString();
    },
    async close() {
      try {
        for (const name of made) await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        stop();
      }
    },
  };
}

function newestPostgresBin(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(a) - Number(b));
  const bin = versions.map((v) => join(POSTGRES_ROOT, v, "bin")).pop();
  return bin && existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl")) ? bin : undefined;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "an unparsable URL";
  }
}
