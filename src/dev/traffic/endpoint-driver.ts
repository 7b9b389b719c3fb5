import type { Agent } from "node:https";
import { postScoring, ScoringTimeoutError } from "../../workspace/scoring-client.js";
import type { TrafficTarget } from "./traffic-targets.js";
import { varyPayload } from "./vary-payload.js";

/** What a driver tells the one that runs it. */
export interface DriverEvents {
  /** A problem worth a line; `problem` names it, so that it is said once per endpoint. */
  trouble(problem: string, line: string): void;
  /** The endpoint answered as one that changed (deleted, a new key, no traffic): read it again soon. */
  stale(): void;
}

export interface DriverOptions {
  intervalMs: number;
  /** Requests waiting for an answer beyond which a due one is skipped. */
  maxInFlight: number;
  timeoutMs: number;
  agent: Agent;
  random: () => number;
  events: DriverEvents;
}

/**
 * Scoring requests to one endpoint, evenly paced, as a client of it sends them: to its scoring URI with its key and
 * without `azureml-model-deployment`, so that its traffic and mirror traffic pick the deployment.
 */
export class EndpointDriver {
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  /** Set by an answer that says the endpoint changed, until the next read of it. */
  private paused = false;
  private stopped = false;

  constructor(
    private target: TrafficTarget,
    private readonly o: DriverOptions,
  ) {}

  get endpoint(): string {
    return this.target.endpoint;
  }

  /** Starts at a random point of the first interval, so that endpoints started together do not send together. */
  start(): void {
    this.due = performance.now() + this.o.random() * this.o.intervalMs;
    this.arm();
  }

  /** Goes on with what a new read of the endpoint found. */
  update(target: TrafficTarget): void {
    this.target = target;
    this.paused = false;
  }

  /** Sends no more; the requests in flight end on their own (see {@link idle}). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Resolves once no request is in flight. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private arm(): void {
    if (this.stopped) return;
    // Unref'd: the traffic never keeps a process alive by itself.
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.due - performance.now())).unref();
  }

  private tick(): void {
    const now = performance.now();
    this.due += this.o.intervalMs;
    // After a stall (a busy event loop, a laptop waking up) the missed requests are skipped, not sent in a burst.
    if (this.due < now) this.due = now + this.o.intervalMs;
    this.arm();
    if (this.paused) return;
    if (this.inFlight.size >= this.o.maxInFlight) {
      this.o.events.trouble(
        "slow",
        `${this.endpoint} answers slowly: requests are skipped while ${this.o.maxInFlight} wait for an answer`,
      );
      return;
    }
    this.send();
  }

  private send(): void {
    const { scoringUri, key, samples } = this.target;
    const sample = samples[Math.floor(this.o.random() * samples.length)];
    if (!sample) return;
    const body = JSON.stringify(varyPayload(sample.payload, this.o.random));
    const sent: Promise<void> = postScoring(
      scoringUri,
      body,
      { authorization: `Bearer ${key}` },
      { agent: this.o.agent, timeoutMs: this.o.timeoutMs },
    )
      .then(
        (answer) => this.answered(answer.status, answer.body, sample.name),
        (error: unknown) => this.failed(error),
      )
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  private answered(status: number, body: string, sample: string): void {
    // 200, or 424 when the model failed: the answers the traffic is there to produce.
    if (this.stopped || status === 200 || status === 424) return;
    if (status === 401 || status === 404) {
      // A new key, or the endpoint deleted or without traffic: nothing more until it has been read again.
      this.paused = true;
      this.o.events.stale();
      return;
    }
    const why = messageOf(body);
    if (status === 400) {
      this.o.events.trouble(`400 ${sample}`, `${this.endpoint} refuses sample ${sample} (400${why})`);
    } else {
      this.o.events.trouble(String(status), `${this.endpoint} answers ${status}${why}`);
    }
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    if (error instanceof ScoringTimeoutError) {
      this.o.events.trouble("timeout", `${this.endpoint} did not answer within ${this.o.timeoutMs} ms`);
      return;
    }
    this.o.events.trouble("unreachable", `${this.endpoint} cannot be reached: ${describe(error)}`);
    this.o.events.stale();
  }
}

/** ": <the answer's message>", when it has one. */
function messageOf(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown } | null)?.message;
    return typeof message === "string" ? `: ${message.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
