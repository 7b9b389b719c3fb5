import { constants } from "node:os";
import { errorText, type Logger } from "./logger.js";

/**
 * How a bot process ends. The first SIGTERM or SIGINT runs `close` (stop taking work, finish or give back what this
 * instance holds) and exits 0 once it is done — 1 if it failed, or if it is still running after `timeoutMs`. A second
 * signal exits at once, with the code a shell gives a process ended by that signal (130 for SIGINT, 143 for SIGTERM):
 * what this instance still holds then comes back to the others only when its leases run out.
 */
export function exitOnSignals(close: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn("stopping at once, without giving back what this instance holds", { signal });
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    log.info("stopping: taking no new work, finishing or giving back what this instance holds", { signal, timeoutMs });
    const started = performance.now();
    setTimeout(() => {
      log.error("did not stop in time; exiting anyway", { timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    close().then(
      () => {
        log.info("stopped", { ms: Math.round(performance.now() - started) });
        process.exit(0);
      },
      (error: unknown) => {
        log.error("stopping failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** One step of stopping: what the log calls it, and the work, told how long it may take. */
export interface ShutdownStep {
  name: string;
  /** Time kept back from this step for the steps after it. */
  leaveMs?: number;
  run(limitMs: number): unknown;
}

/**
 * Ordered steps within one time budget. Each step is told the time left less what it must leave to the steps after
 * it, and is logged with how long it took; a step that fails is logged and the next ones still run (the store is
 * closed even when giving work back failed), and `run` rejects at the end. No step is waited for past the budget.
 */
export class Shutdown {
  private running: Promise<void> | undefined;

  constructor(
    private readonly budgetMs: number,
    private readonly log: Logger,
    private readonly steps: readonly ShutdownStep[],
  ) {}

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    const started = performance.now();
    const left = (): number => Math.max(0, this.budgetMs - (performance.now() - started));
    const failed: string[] = [];
    for (const step of this.steps) {
      const limitMs = Math.max(0, left() - (step.leaveMs ?? 0));
      const stepStarted = performance.now();
      const outcome = await outcomeWithin(step, limitMs, left());
      const ms = Math.round(performance.now() - stepStarted);
      const fields = { step: step.name, ms, limitMs: Math.round(limitMs) };
      if (outcome.kind === "failed") {
        failed.push(step.name);
        this.log.error("shutdown step failed", { ...fields, error: outcome.error });
      } else if (outcome.kind === "late")
        this.log.warn("shutdown step still running at the end of the time to stop", fields);
      else this.log.info(ms > limitMs ? "shutdown step done, late" : "shutdown step done", fields);
    }
    if (failed.length > 0) throw new Error(`shutdown steps failed: ${failed.join(", ")}`);
  }
}

type StepOutcome = { kind: "done" } | { kind: "late" } | { kind: "failed"; error: string };

async function outcomeWithin(step: ShutdownStep, limitMs: number, waitMs: number): Promise<StepOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StepOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "late" }), waitMs);
  });
  const work = (async (): Promise<StepOutcome> => {
    await step.run(limitMs);
    return { kind: "done" };
  })().catch((error: unknown): StepOutcome => ({ kind: "failed", error: errorText(error) }));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
