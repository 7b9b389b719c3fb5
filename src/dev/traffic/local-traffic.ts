import { Agent } from "node:https";
import type { LocalWorkspaceAccess } from "../local-workspace-access.js";
import { EndpointDriver } from "./endpoint-driver.js";
import { readTrafficTargets, type TrafficTarget, type TrafficTargets, type WorkspaceRef } from "./traffic-targets.js";

export interface LocalTrafficOptions {
  access: LocalWorkspaceAccess;
  workspace: WorkspaceRef;
  /** Scoring requests per second to each endpoint that has samples; 0 sends none. */
  requestsPerSecond: number;
  /** Where its few lines go: an endpoint it starts or stops driving, and each problem, once per endpoint. */
  log: (line: string) => void;
  random?: () => number;
  /** How often the endpoints, their keys and samples are read again. */
  refreshMs?: number;
  /** Requests waiting for an answer, per endpoint, beyond which a due one is skipped. */
  maxInFlight?: number;
  timeoutMs?: number;
}

const REFRESH_MS = 10_000;
/**
 * Below what the seeded deployment's front door allows before answering 429 (2 × maxConcurrentRequestsPerInstance 2 ×
 * 1 instance = 4), so that the traffic itself never makes the 429s a gate would count as failures.
 */
const MAX_IN_FLIGHT = 3;
const TIMEOUT_MS = 10_000;
/** After an answer that says an endpoint changed, it is read again this soon after the previous read, not sooner. */
const STALE_REFRESH_GAP_MS = 1000;
/** Problems of the local workspace as a whole, rather than of one endpoint. */
const WORKSPACE = "";

/**
 * The local demo's traffic: a steady stream of scoring requests at each endpoint of the local workspace that has
 * samples, so that its metrics, and the rollout gates that read them, have something to judge. Only `npm start` runs
 * it (src/dev/start-local.ts).
 */
export class LocalTraffic {
  private readonly drivers = new Map<string, EndpointDriver>();
  /** Drivers stopped while the traffic goes on, until their last requests have ended. */
  private readonly retiring = new Set<Promise<void>>();
  /** The problems already said, per endpoint (lower-case); forgotten when the endpoint is gone. */
  private readonly said = new Map<string, Set<string>>();
  private readonly abort = new AbortController();
  private readonly agent: Agent;
  private readonly random: () => number;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private lastRefresh = -Infinity;

  private constructor(private readonly o: LocalTrafficOptions) {
    this.agent = new Agent({ keepAlive: true, ca: o.access.caCertPem });
    this.random = o.random ?? Math.random;
  }

  /** Starts driving the endpoints with samples at once (none at a rate of 0). */
  static start(options: LocalTrafficOptions): LocalTraffic {
    const traffic = new LocalTraffic(options);
    if (options.requestsPerSecond > 0) traffic.scheduleRefresh(0);
    return traffic;
  }

  /** Sends nothing more; resolves once the requests in flight have ended. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.refreshTimer);
    for (const [key, driver] of this.drivers) this.retire(key, driver);
    await Promise.allSettled([this.refreshing, ...this.retiring]);
    this.agent.destroy();
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private scheduleRefresh(delayMs: number): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.runRefresh(), delayMs).unref();
  }

  private async runRefresh(): Promise<void> {
    this.refreshAgain = false;
    this.lastRefresh = performance.now();
    this.refreshing = this.refresh();
    await this.refreshing;
    this.refreshing = undefined;
    if (this.stopped) return;
    const soon = Math.max(0, this.lastRefresh + STALE_REFRESH_GAP_MS - performance.now());
    this.scheduleRefresh(this.refreshAgain ? soon : (this.o.refreshMs ?? REFRESH_MS));
  }

  /** An endpoint answered as one that changed: read the endpoints again soon (after the read under way, if any). */
  private refreshSoon(): void {
    if (this.stopped) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.scheduleRefresh(Math.max(0, this.lastRefresh + STALE_REFRESH_GAP_MS - performance.now()));
  }

  private async refresh(): Promise<void> {
    let read: TrafficTargets;
    try {
      read = await readTrafficTargets(this.o.access, this.o.workspace, {
        timeoutMs: this.o.timeoutMs ?? TIMEOUT_MS,
        signal: this.abort.signal,
      });
    } catch (error) {
      if (this.stopped) return;
      const why = error instanceof Error ? error.message : String(error);
      this.trouble(WORKSPACE, "unreadable", `cannot read the local workspace's endpoints and samples (${why})`);
      return;
    }
    if (this.stopped) return;
    const present = new Set([WORKSPACE]);
    for (const target of read.targets) {
      const key = target.endpoint.toLowerCase();
      present.add(key);
      const driver = this.drivers.get(key);
      if (driver) driver.update(target);
      else this.drive(key, target);
    }
    for (const { endpoint, reason } of read.idle) {
      const key = endpoint.toLowerCase();
      present.add(key);
      const driver = this.drivers.get(key);
      if (driver) this.retire(key, driver);
      this.trouble(key, reason, `not sending requests to ${endpoint}: ${reason}`);
    }
    for (const [key, driver] of this.drivers) {
      if (present.has(key)) continue;
      this.retire(key, driver);
      this.o.log(`${driver.endpoint} is gone: no more requests to it`);
    }
    for (const key of this.said.keys()) if (!present.has(key)) this.said.delete(key);
  }

  private drive(key: string, target: TrafficTarget): void {
    const driver = new EndpointDriver(target, {
      intervalMs: 1000 / this.o.requestsPerSecond,
      maxInFlight: this.o.maxInFlight ?? MAX_IN_FLIGHT,
      timeoutMs: this.o.timeoutMs ?? TIMEOUT_MS,
      agent: this.agent,
      random: this.random,
      events: {
        trouble: (problem, line) => this.trouble(key, problem, line),
        stale: () => this.refreshSoon(),
      },
    });
    this.drivers.set(key, driver);
    driver.start();
    const samples = target.samples.length === 1 ? "its sample" : `its ${target.samples.length} samples`;
    this.o.log(`sending ${this.o.requestsPerSecond} requests/s to ${target.endpoint}, varied from ${samples}`);
  }

  private retire(key: string, driver: EndpointDriver): void {
    driver.stop();
    this.drivers.delete(key);
    const ended: Promise<void> = driver.idle().finally(() => this.retiring.delete(ended));
    this.retiring.add(ended);
  }

  /** Says a problem once per endpoint (or once for the workspace), however often it recurs. */
  private trouble(key: string, problem: string, line: string): void {
    let said = this.said.get(key);
    if (!said) this.said.set(key, (said = new Set()));
    if (said.has(problem)) return;
    said.add(problem);
    this.o.log(line);
  }
}
