import { z } from "zod";

/** Faults a test or a demo can inject through the admin route (`POST /_emulator/faults`). */
export const faultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("provisioningFailure"),
    endpoint: z.string(),
    deployment: z.string(),
    message: z.string().default("The container failed its readiness probe (injected fault)."),
  }),
  /**
   * Provisioning of the deployment, or without one the endpoint's next creates and updates (a traffic change), waits
   * until faults are cleared: an Azure operation that takes its time.
   */
  z.object({
    kind: z.literal("provisioningHold"),
    endpoint: z.string(),
    deployment: z.string().optional(),
  }),
  /** The next create or update of the endpoint ends Failed with this error, and changes nothing. */
  z.object({
    kind: z.literal("endpointOperationFailure"),
    endpoint: z.string(),
    code: z.string().default("OperationCanceled"),
    message: z
      .string()
      .default("The operation was canceled because another operation with a higher priority started (injected fault)."),
    /** How many of the endpoint's next creates or updates end Failed. */
    count: z.number().int().min(1).max(10_000).default(1),
  }),
  z.object({
    kind: z.literal("scoringDelay"),
    endpoint: z.string(),
    deployment: z.string(),
    delayMs: z.number().int().min(0).max(600_000),
  }),
  z.object({
    kind: z.literal("scoringFailure"),
    endpoint: z.string(),
    deployment: z.string(),
    /** Share of requests that fail, 0..1. */
    rate: z.number().min(0).max(1).default(1),
  }),
  z.object({
    kind: z.literal("controlPlane"),
    status: z.union([z.literal(429), z.literal(500)]),
    count: z.number().int().min(1).max(1000),
  }),
  /** The next `count` ARM requests answer only after `delayMs` (a slow or hung Azure). */
  z.object({
    kind: z.literal("controlPlaneDelay"),
    delayMs: z.number().int().min(0).max(600_000),
    count: z.number().int().min(1).max(1000),
  }),
]);
export type Fault = z.infer<typeof faultSchema>;

const key = (endpoint: string, deployment: string): string => `${endpoint}/${deployment}`.toLowerCase();

/** The faults in force. Scoring faults last until cleared; control-plane faults count down. */
export class Faults {
  private readonly provisioning = new Map<string, string>();
  private readonly holds = new Map<string, { released: Promise<void>; release: () => void }>();
  private readonly endpointFailures = new Map<string, { code: string; message: string; remaining: number }>();
  private readonly delays = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private controlPlane: { status: 429 | 500; remaining: number } | undefined;
  private controlPlaneDelay: { delayMs: number; remaining: number } | undefined;

  /** False while no scoring fault is set, so the scoring path can skip every look-up. */
  get affectsScoring(): boolean {
    return this.delays.size > 0 || this.failures.size > 0;
  }

  add(fault: Fault): void {
    switch (fault.kind) {
      case "provisioningFailure":
        this.provisioning.set(key(fault.endpoint, fault.deployment), fault.message);
        break;
      case "provisioningHold": {
        const k = key(fault.endpoint, fault.deployment ?? "");
        if (this.holds.has(k)) break;
        let release = (): void => {};
        const released = new Promise<void>((resolve) => (release = resolve));
        this.holds.set(k, { released, release });
        break;
      }
      case "endpointOperationFailure":
        this.endpointFailures.set(fault.endpoint.toLowerCase(), {
          code: fault.code,
          message: fault.message,
          remaining: fault.count,
        });
        break;
      case "scoringDelay":
        this.delays.set(key(fault.endpoint, fault.deployment), fault.delayMs);
        break;
      case "scoringFailure":
        this.failures.set(key(fault.endpoint, fault.deployment), fault.rate);
        break;
      case "controlPlane":
        this.controlPlane = { status: fault.status, remaining: fault.count };
        break;
      case "controlPlaneDelay":
        this.controlPlaneDelay = { delayMs: fault.delayMs, remaining: fault.count };
        break;
    }
  }

  /** Lifts every fault; held provisioning goes on. */
  clear(): void {
    for (const hold of this.holds.values()) hold.release();
    this.holds.clear();
    this.endpointFailures.clear();
    this.provisioning.clear();
    this.delays.clear();
    this.failures.clear();
    this.controlPlane = undefined;
    this.controlPlaneDelay = undefined;
  }

  provisioningFailure(endpoint: string, deployment: string): string | undefined {
    return this.provisioning.get(key(endpoint, deployment));
  }

  /** Resolves when provisioning of the deployment, or of the endpoint itself, may go on (at once unless it is held). */
  async provisioningHold(endpoint: string, deployment = ""): Promise<void> {
    await this.holds.get(key(endpoint, deployment))?.released;
  }

  /** Takes one of the failures injected for the endpoint's next creates or updates, if any are left. */
  takeEndpointOperationFailure(endpoint: string): { code: string; message: string } | undefined {
    const failure = this.endpointFailures.get(endpoint.toLowerCase());
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.endpointFailures.delete(endpoint.toLowerCase());
    return { code: failure.code, message: failure.message };
  }

  scoringDelayMs(endpoint: string, deployment: string): number {
    return this.delays.get(key(endpoint, deployment)) ?? 0;
  }

  scoringFails(endpoint: string, deployment: string, random: number): boolean {
    const rate = this.failures.get(key(endpoint, deployment));
    return rate !== undefined && random < rate;
  }

  /** Takes one control-plane delay (ms), or 0 when none is left. */
  takeControlPlaneDelay(): number {
    if (!this.controlPlaneDelay || this.controlPlaneDelay.remaining <= 0) return 0;
    this.controlPlaneDelay.remaining -= 1;
    return this.controlPlaneDelay.delayMs;
  }

  /** Takes one control-plane fault, if any are left. */
  takeControlPlaneFault(): 429 | 500 | undefined {
    if (!this.controlPlane || this.controlPlane.remaining <= 0) return undefined;
    this.controlPlane.remaining -= 1;
    return this.controlPlane.status;
  }
}
