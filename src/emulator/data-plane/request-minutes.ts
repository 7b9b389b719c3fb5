/** How many minutes of one deployment are kept: Azure keeps 93 days, the emulator a day. */
export const KEPT_MINUTES = 24 * 60;
/** Latencies kept per minute for its percentiles (a uniform sample of the minute's requests beyond that). */
const SAMPLE_SIZE = 1024;
/** Statuses up to 999 fit below this factor, so a status and a model status make one number: a cheap map key. */
const STATUS_KEY = 1000;

/** Requests of one minute with one status and one model status. */
export interface StatusCount {
  status: number;
  modelStatus: number;
  requests: number;
}

/** The latencies (ms) of one minute's requests: their mean, and percentiles of the minute's sample (nearest rank). */
export interface MinuteLatency {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** One whole UTC minute of a deployment's answered requests, as Azure Monitor pre-aggregates them. */
export interface RecordedMinute {
  /** Minutes since the Unix epoch: the minute starts at `minute * 60 000` ms. */
  minute: number;
  requests: number;
  byStatus: readonly StatusCount[];
  latency: MinuteLatency;
}

/**
 * One deployment's requests, per whole minute, for the metrics route. The minute in progress is counted in place
 * (a map update and a sample write per request, nothing allocated); when a request lands in a later minute, the
 * previous one is sealed into its figures and its latency sample reused. A day of sealed minutes is kept in a ring.
 */
export class RequestMinutes {
  private readonly sealed: (RecordedMinute | undefined)[] = new Array<RecordedMinute | undefined>(KEPT_MINUTES);
  private readonly sample = new Float64Array(SAMPLE_SIZE);
  private openMinute = Number.NaN;
  private counts = new Map<number, number>();
  private requests = 0;
  private latencySum = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Counts one answered request in `minute` (minutes since the epoch). */
  record(minute: number, status: number, modelStatus: number, latencyMs: number): void {
    if (minute !== this.openMinute) this.open(minute);
    const key = status * STATUS_KEY + modelStatus;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    // Reservoir sampling: every request of the minute has the same chance to be in the sample.
    const seen = this.requests;
    if (seen < SAMPLE_SIZE) this.sample[seen] = latencyMs;
    else {
      const slot = Math.floor(this.random() * (seen + 1));
      if (slot < SAMPLE_SIZE) this.sample[slot] = latencyMs;
    }
    this.requests = seen + 1;
    this.latencySum += latencyMs;
  }

  /** The minutes in [`from`, `to`) that had requests, oldest first; minutes more than a day old are gone. */
  between(from: number, to: number): RecordedMinute[] {
    const out: RecordedMinute[] = [];
    for (let minute = Math.max(from, to - KEPT_MINUTES); minute < to; minute++) {
      const kept = this.sealed[minute % KEPT_MINUTES];
      const sealed = kept?.minute === minute ? kept : undefined;
      const open = minute === this.openMinute && this.requests > 0 ? this.figures(false) : undefined;
      const found = open && sealed ? merge(sealed, open) : (open ?? sealed);
      if (found) out.push(found);
    }
    return out;
  }

  private open(minute: number): void {
    if (this.requests > 0) this.keep(this.figures(true));
    this.openMinute = minute;
    this.counts = new Map();
    this.requests = 0;
    this.latencySum = 0;
  }

  private keep(figures: RecordedMinute): void {
    const slot = figures.minute % KEPT_MINUTES;
    const earlier = this.sealed[slot];
    // Only a clock set back (a test's manual clock) reopens a sealed minute: its counts add up; of the two samples,
    // already reduced to percentiles, the one of more requests stands.
    this.sealed[slot] = earlier?.minute === figures.minute ? merge(earlier, figures) : figures;
  }

  /** The open minute's figures; `consume` sorts the sample in place, as it is not needed after. */
  private figures(consume: boolean): RecordedMinute {
    const n = Math.min(this.requests, SAMPLE_SIZE);
    const sorted = consume ? this.sample.subarray(0, n).sort() : this.sample.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.max(0, Math.ceil(q * n) - 1)] ?? 0;
    const byStatus: StatusCount[] = [];
    for (const [key, requests] of this.counts) {
      byStatus.push({ status: Math.floor(key / STATUS_KEY), modelStatus: key % STATUS_KEY, requests });
    }
    return {
      minute: this.openMinute,
      requests: this.requests,
      byStatus,
      latency: { mean: this.latencySum / this.requests, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99) },
    };
  }
}

function merge(a: RecordedMinute, b: RecordedMinute): RecordedMinute {
  const counts = new Map<string, StatusCount>();
  for (const c of [...a.byStatus, ...b.byStatus]) {
    const key = `${c.status}/${c.modelStatus}`;
    const known = counts.get(key);
    counts.set(key, known ? { ...known, requests: known.requests + c.requests } : c);
  }
  const requests = a.requests + b.requests;
  const larger = a.requests >= b.requests ? a.latency : b.latency;
  const mean = (a.latency.mean * a.requests + b.latency.mean * b.requests) / requests;
  return { minute: a.minute, requests, byStatus: [...counts.values()], latency: { ...larger, mean } };
}
