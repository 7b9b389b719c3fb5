import type { Markdown } from "../../ports/notifier.js";
import type { Rollout } from "../../ports/rollouts.js";
import { code, msg } from "../views/markdown.js";

/**
 * The rule: a failed smoke test blocks the first step until an admin other than the requester overrides it with a
 * reason. The approve and override clicks, the worker's asks and the card all read it here, and word it as below.
 */
export const blockedBySmokeTest = (r: Pick<Rollout, "step" | "smoke" | "override">): boolean =>
  r.step === 0 && r.smoke !== undefined && !r.smoke.passed && !r.override;

/** The reply in the card's thread that asks the admins to lift the block. */
export const smokeTestBlockAsk = (r: Rollout): Markdown =>
  msg`${`${r.model.name}:${r.model.version}`} failed its smoke test on ${r.endpoint}: step 1 is blocked until an admin other than ${r.requestedBy.name} overrides it with a reason on the card.`;

/** The direct message that tells the requester, who cannot lift it themselves. */
export const smokeTestBlockToRequester = (r: Rollout): Markdown =>
  msg`Your rollout of ${`${r.model.name}:${r.model.version}`} to ${r.endpoint} failed its smoke test: its card shows each sample's answers. An admin other than you can override it with a reason, or roll it back with ${code(`rollback ${r.endpoint}`)}.`;

/** The card's state line while blocked. */
export const smokeTestBlockLine = (r: Pick<Rollout, "requestedBy">): string =>
  `Blocked: the smoke test failed — waiting for an admin other than ${r.requestedBy.name} to override it, or a rollback`;
