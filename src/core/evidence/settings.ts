import type { GateThresholds } from "../../ports/evidence.js";
import { BAKE_TAG, parseBake } from "./bake.js";
import { GATES_TAG, parseGates, type GateSettingName } from "./gate-settings.js";

/**
 * The bake and the gates that apply to an endpoint, each with where it came from, or the problem with its tag (a
 * rollout request is refused with it; `plan` shows it).
 */
export interface EvidenceSettings {
  bake:
    { ok: true; seconds: number; from: "tag" | "default"; tag?: string } | { ok: false; tag: string; problem: string };
  gates:
    | { ok: true; thresholds: GateThresholds; fromTag: GateSettingName[]; tag?: string }
    | { ok: false; tag: string; problem: string };
}

/**
 * Reads an endpoint's greenlight-bake and greenlight-gates tags; `bakeSeconds` is the bake when it has none, and
 * `minRequests` (GATE_MIN_REQUESTS) the requests a gate needs when its tag does not say.
 */
export function evidenceSettings(
  tags: Record<string, string>,
  defaults: { bakeSeconds: number; minRequests?: number },
): EvidenceSettings {
  const bakeTag = given(tags[BAKE_TAG]);
  const gatesTag = given(tags[GATES_TAG]);
  const bake = parseBake(bakeTag, defaults.bakeSeconds);
  const gates = parseGates(gatesTag);
  return {
    bake: bake.ok
      ? { ok: true, seconds: bake.seconds, from: bakeTag === undefined ? "default" : "tag", ...tagged(bakeTag) }
      : { ok: false, tag: bakeTag ?? "", problem: bake.problem },
    gates: gates.ok
      ? {
          ok: true,
          thresholds:
            defaults.minRequests === undefined || gates.fromTag.includes("min-requests")
              ? gates.thresholds
              : { ...gates.thresholds, minRequests: defaults.minRequests },
          fromTag: gates.fromTag,
          ...tagged(gatesTag),
        }
      : { ok: false, tag: gatesTag ?? "", problem: gates.problem },
  };
}

/** Why a rollout on the endpoint would be refused for its bake or gates tag, as plain text (views escape it). */
export function settingsProblems(settings: EvidenceSettings): string[] {
  return [settings.bake, settings.gates].flatMap((s) => (s.ok ? [] : [s.problem]));
}

const given = (tag: string | undefined): string | undefined =>
  tag === undefined || tag.trim() === "" ? undefined : tag;
const tagged = (tag: string | undefined): { tag?: string } => (tag === undefined ? {} : { tag });
