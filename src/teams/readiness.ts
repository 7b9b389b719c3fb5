import type { Logger } from "../logger.js";
import type { Store } from "../ports/store.js";
import type { Workspace } from "../ports/workspace.js";

/** What `/readyz` says: each dependency checked, by name, and whether it answered. Names only, never a reason. */
export interface Readiness {
  ready: boolean;
  checks: Record<ReadinessCheck, "ok" | "unavailable">;
}

export type ReadinessCheck = "store" | "workspace";

export interface ReadinessOptions {
  /** Longest each check may take (they run side by side). */
  timeoutMs: number;
  /** How long an answer is reused, so a flood of probes cannot become a flood of queries and ARM reads. */
  reuseMs: number;
}

/**
 * Whether this instance can do its work: the store answers a trivial query and the workspace a cheap ARM read. One
 * check runs at a time, and its answer is shared by the probes that arrive meanwhile and shortly after.
 */
export class ReadinessProbe {
  private last: { at: number; answer: Readiness } | undefined;
  private running: Promise<Readiness> | undefined;
  private failing: string | undefined;

  constructor(
    private readonly store: Pick<Store, "ping">,
    private readonly workspace: Pick<Workspace, "ping">,
    private readonly log: Logger,
    private readonly o: ReadinessOptions,
  ) {}

  check(): Promise<Readiness> {
    if (this.last && performance.now() - this.last.at < this.o.reuseMs) return Promise.resolve(this.last.answer);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<Readiness> {
    const [store, workspace] = await Promise.all([
      this.store.ping(this.o.timeoutMs).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      this.workspace.ping(this.o.timeoutMs).then((result) => (result.ok ? undefined : result.error.code)),
    ]);
    const answer: Readiness = {
      ready: store === undefined && workspace === undefined,
      checks: {
        store: store === undefined ? "ok" : "unavailable",
        workspace: workspace === undefined ? "ok" : "unavailable",
      },
    };
    this.last = { at: performance.now(), answer };
    this.report({ store, workspace });
    return answer;
  }

  /** Logs when readiness changes (not on every probe), with the reasons the answer leaves out. */
  private report(problems: Record<ReadinessCheck, string | undefined>): void {
    const failing = Object.entries(problems)
      .filter(([, problem]) => problem !== undefined)
      .map(([check, problem]) => `${check}: ${problem}`)
      .join("; ");
    if (failing === (this.failing ?? "")) return;
    if (failing) this.log.warn("not ready", { failing });
    else this.log.info("ready again");
    this.failing = failing || undefined;
  }
}
