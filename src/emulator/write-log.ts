/** One accepted ARM write on an endpoint or one of its deployments. */
export interface ArmWrite {
  at: string;
  method: "PUT" | "PATCH" | "DELETE";
  /** Absent for a write on the endpoint itself. */
  deployment?: string;
  /** For a PUT of the endpoint: the traffic and mirror traffic it set (the only request that changes them). */
  traffic?: Record<string, number>;
  mirrorTraffic?: Record<string, number>;
}

/** Kept per endpoint, newest last; older ones are dropped (the log is for tests and demos, not an audit trail). */
const KEPT_PER_ENDPOINT = 1000;

/**
 * The ARM writes the workspace accepted since it started, per endpoint (`GET /_emulator/endpoints/<name>/writes`):
 * how a test counts traffic changes and deployment creations, e.g. to prove a step was applied once.
 */
export class WriteLog {
  private readonly byEndpoint = new Map<string, ArmWrite[]>();

  record(endpoint: string, write: ArmWrite): void {
    const key = endpoint.toLowerCase();
    const list = this.byEndpoint.get(key) ?? [];
    list.push(write);
    if (list.length > KEPT_PER_ENDPOINT) list.splice(0, list.length - KEPT_PER_ENDPOINT);
    this.byEndpoint.set(key, list);
  }

  of(endpoint: string): ArmWrite[] {
    return [...(this.byEndpoint.get(endpoint.toLowerCase()) ?? [])];
  }
}
