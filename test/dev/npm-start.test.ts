// npm start's processes — the local workspace, the bot, two Agents Playgrounds (on every interface, without login) —
// must not outlive it, whatever ends it, or the next npm start finds their ports busy. The real supervisor
// (src/dev/start-local.ts, what npm start runs) on free ports, in a folder of its own; what it started is read from
// /proc just before it is signalled.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPortFree } from "../../src/dev/net.js";
import { waitFor } from "../support/bot-process.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 90_000;
/** The bot may take SHUTDOWN_TIMEOUT_MS (set below) to stop, and npm start gives it 5 s more before a SIGKILL. */
const STOP_TIMEOUT_MS = 30_000;
const ARM_REQUEST_LINE = /\[emulator\] GET \/subscriptions\//;

describe("npm start killed with SIGKILL", { timeout: 180_000 }, () => {
  let stack: LocalStack;
  let started: number[];

  beforeAll(async () => {
    stack = await LocalStack.start();
    started = stack.processes();
    stack.signal("SIGKILL");
  });
  afterAll(() => stack?.destroy());

  it("leaves none of the processes it started running", async () => {
    expect(started).toEqual(expect.arrayContaining(stack.children()));

    await waitFor(() => started.every(gone), "every process npm start started to end", STOP_TIMEOUT_MS);
  });

  it("leaves its ports free for the next npm start", async () => {
    await waitFor(async () => (await stack.busyPorts()).length === 0, "the ports to be free", STOP_TIMEOUT_MS);
  });
});

describe("npm start when its terminal is closed (SIGHUP, and the terminal gone)", { timeout: 180_000 }, () => {
  let stack: LocalStack;
  let started: number[];

  beforeAll(async () => {
    stack = await LocalStack.start();
    started = stack.processes();
    stack.closeTerminal();
    stack.signal("SIGHUP");
  });
  afterAll(() => stack?.destroy());

  it("stops every process it started itself, exiting 0 rather than failing on its closed output", async () => {
    expect(await stack.ended(STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
    expect(started.filter((pid) => !gone(pid))).toEqual([]);
  });

  it("leaves its ports free for the next npm start", async () => {
    await stack.ended(STOP_TIMEOUT_MS);
    expect(await stack.busyPorts()).toEqual([]);
  });
});

describe("npm start's output", { timeout: 180_000 }, () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await LocalStack.start();
    // The bot's readiness reads the local workspace over ARM.
    expect((await fetch(`http://127.0.0.1:${stack.ports.bot}/readyz`)).status).toBe(200);
    stack.signal("SIGHUP");
    // Once it has ended, everything its children printed has been passed on.
    expect(await stack.ended(STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
  });
  afterAll(() => stack?.destroy());

  it("says it stops on SIGHUP, and when all is stopped", () => {
    expect(stack.output()).toContain("Stopping (SIGHUP)…");
    expect(stack.output()).toContain("All stopped.");
  });

  it("has no deprecation warning from the bot", () => {
    expect(stack.output()).not.toMatch(/DEP0111/);
  });

  it("has no line per ARM request from the local workspace", () => {
    expect(stack.output()).not.toMatch(ARM_REQUEST_LINE);
  });
});

interface StackPorts {
  bot: number;
  emulator: number;
  operator: number;
  approver: number;
}

/** src/dev/start-local.ts as npm start runs it, in its own process group, on free ports and a temporary folder. */
class LocalStack {
  private text = "";
  private readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly dir: string,
    readonly ports: StackPorts,
    private readonly supervisor: ChildProcess,
  ) {
    for (const stream of [supervisor.stdout, supervisor.stderr]) {
      stream?.on("data", (chunk: Buffer) => (this.text += chunk.toString("utf8")));
    }
    this.closed = new Promise((resolve) => supervisor.once("close", (code, signal) => resolve({ code, signal })));
  }

  static async start(): Promise<LocalStack> {
    const dir = await mkdtemp(join(tmpdir(), "greenlight-npm-start-"));
    const [bot = 0, emulator = 0, operator = 0, approver = 0] = await freePorts(4);
    const supervisor = spawn(process.execPath, ["--import", "tsx", "src/dev/start-local.ts"], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PORT: String(bot),
        EMULATOR_PORT: String(emulator),
        PLAYGROUND_OPERATOR_PORT: String(operator),
        PLAYGROUND_APPROVER_PORT: String(approver),
        EMULATOR_DATA_DIR: join(dir, "emulator"),
        DATA_DIR: join(dir, "data"),
        LOCAL_WORKSPACE_URL: `https://127.0.0.1:${emulator}`,
        SHUTDOWN_TIMEOUT_MS: "20000",
        EMULATOR_LOG_LEVEL: "info",
        // Local mode whatever a developer's .env says (set-but-empty wins over .env).
        DATABASE_URL: "",
        AZURE_SUBSCRIPTION_ID: "",
        AZURE_RESOURCE_GROUP: "",
        AZURE_ML_WORKSPACE: "",
        MicrosoftAppId: "",
        ROLES_FILE: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stack = new LocalStack(dir, { bot, emulator, operator, approver }, supervisor);
    try {
      await waitFor(
        () => {
          if (supervisor.exitCode !== null) throw new Error(`npm start ended:\n${stack.output()}`);
          return stack.output().includes("GreenLight is running locally.");
        },
        "npm start to be up",
        START_TIMEOUT_MS,
      );
    } catch (error) {
      await stack.destroy();
      throw error;
    }
    return stack;
  }

  output(): string {
    return this.text;
  }

  /** The children npm start said it started ("started bot (pid 123)"). */
  children(): number[] {
    return [...this.text.matchAll(/started \S+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  }

  /** The supervisor, everything it started, and everything in their process groups, alive now. */
  processes(): number[] {
    const table = processTable();
    const found = new Set([this.supervisor.pid ?? -1]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of table) {
        if (found.has(p.pid) || !(found.has(p.ppid) || found.has(p.pgid))) continue;
        found.add(p.pid);
        grew = true;
      }
    }
    return [...found].filter((pid) => !gone(pid));
  }

  /** As a closed terminal does: whatever it writes from now on fails (EPIPE here, EIO on a terminal). */
  closeTerminal(): void {
    this.supervisor.stdout?.destroy();
    this.supervisor.stderr?.destroy();
  }

  signal(signal: NodeJS.Signals): void {
    if (this.supervisor.pid !== undefined) process.kill(this.supervisor.pid, signal);
  }

  /** How it ended, once it has and its output is read; fails when it is still running after `timeoutMs`. */
  async ended(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`npm start still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async busyPorts(): Promise<number[]> {
    const { bot, emulator, operator, approver } = this.ports;
    const checks: [number, string | undefined][] = [
      [bot, "127.0.0.1"],
      [emulator, "127.0.0.1"],
      // The Playgrounds listen on every interface.
      [operator, undefined],
      [approver, undefined],
    ];
    const busy: number[] = [];
    for (const [port, host] of checks) if (!(await isPortFree(port, host))) busy.push(port);
    return busy;
  }

  /** Whatever a failed test left running: SIGKILL to every group it knows of; then the folder goes. */
  async destroy(): Promise<void> {
    for (const pid of [...this.processes(), ...this.children()]) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function processTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = procStat(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

function procStat(pid: number): ProcessEntry | undefined {
  const path = `/proc/${pid}/stat`;
  try {
    if (!existsSync(path)) return undefined;
    const stat = readFileSync(path, "utf8");
    // "pid (comm) state ppid pgrp …", where comm may hold spaces and parentheses.
    const [state = "", ppid = "", pgid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(ppid), pgid: Number(pgid), state };
  } catch {
    return undefined;
  }
}

/** Ended: no such process, or a zombie its new parent has not reaped yet. */
function gone(pid: number): boolean {
  const entry = procStat(pid);
  return entry === undefined || entry.state === "Z";
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer();
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
