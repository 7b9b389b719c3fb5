import type { WorkspaceError } from "../ports/workspace.js";
import type { Role } from "./access/roles.js";
import { closest } from "./views/closest.js";
import { durationText, minuteText, timeOfDayText } from "./views/time.js";
import type { Markdown } from "../ports/notifier.js";
import { escapedList, escapeMarkdown as md, markdownToPlain } from "./views/markdown.js";

/** Every failure a user can act on. Wording lives in `describeError`, one place. */
export type UserError =
  | WorkspaceError
  | { code: "unknown_command"; input: string; suggestion?: string }
  /** `problem` is Markdown: whoever builds it escapes what the user typed. */
  | { code: "usage"; command: string; usage: string; problem: string }
  | {
      code: "forbidden";
      action: string;
      needed: readonly Role[];
      holders: string[];
      /** Why the caller holds fewer roles than the roles file may give them: another tenant, or no roster. */
      accessProblem?: string;
    }
  | { code: "invalid_json"; detail: string }
  /** JSON typed as plain text after a command that takes a payload; `usage` is that command's. */
  | { code: "json_outside_code_block"; usage: string }
  /**
   * A card button's word typed in chat (`approve`, one of GreenLight's own words): it acts only on the card. `endpoint`
   * is the one name typed after the word, not checked to be an endpoint (`keep it`): the message names it only with
   * `where`, which says where that endpoint's cards go ("in the release channel") once someone has looked it up.
   */
  | {
      code: "card_button_typed";
      button: string;
      cards: readonly ("rollout" | "deletion")[];
      endpoint?: string;
      where?: string;
    }
  | { code: "payload_too_large"; bytes: number; limitBytes: number }
  | { code: "message_too_long"; chars: number; limitChars: number }
  | { code: "sample_not_found"; endpoint: string; sample: string; known: string[] }
  | { code: "no_payload"; endpoint: string; samples: string[] }
  | { code: "attachment_unreadable"; name: string; detail: string }
  | { code: "invalid_card_action"; detail: string }
  /** A click on a rollout card that no longer shows the rollout as it is. */
  | { code: "stale_card"; endpoint: string; now: string }
  /** Separation of duties: the requester of a rollout (or of a deletion) cannot approve it. */
  | { code: "self_approval"; endpoint: string; requester: string; what: "rollout" | "deletion" }
  | { code: "smoke_test_failed"; endpoint: string }
  /** The step the card offers comes after a bake that has not ended; `leftMs` of it was left at the click. */
  | { code: "still_baking"; endpoint: string; until: Date; leftMs: number }
  | { code: "no_active_rollout"; endpoint: string }
  | { code: "rollout_active"; endpoint: string; model: string; phase: string; requestedBy: string }
  | { code: "cannot_deploy"; endpoint: string; problem: string }
  | { code: "cannot_delete"; endpoint: string; problem: string }
  | { code: "deletion_pending"; endpoint: string; requestedBy: string }
  /** The name typed on a deletion card is not the endpoint's. */
  | { code: "confirmation_mismatch"; endpoint: string }
  /** A click GreenLight cannot tell apart from the requester's own: one side has no stable identity. */
  | { code: "identity_unknown"; endpoint: string; what: "rollout" | "deletion" }
  /** The approval's time ran out before the click (the worker may not have recorded it yet). */
  | { code: "approval_expired"; endpoint: string; expiredAt: Date; what: "step" | "retirement" | "deletion" }
  | { code: "cannot_roll_back"; endpoint: string; problem: string }
  /** A paused rollout cannot go on from the traffic Azure has. */
  | { code: "cannot_resume"; endpoint: string; problem: string };

export type ErrorCode = UserError["code"];

const list = (items: readonly string[]): string => (items.length === 0 ? "none" : escapedList(items));
/** "operator", "operator or admin", "operator, approver or admin". */
const eitherOf = (items: readonly string[]): string =>
  items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1) ?? ""}`;
const quote = (items: readonly string[]): string => items.map((i) => `'${md(i)}'`).join(", ");
const didYouMean = (names: readonly string[]): string => (names.length ? ` Did you mean ${quote(names)}?` : "");

/**
 * The message a user sees for each error: what was wrong and what to do instead. It is Markdown (the error card's
 * text): every value that came from a user or from Azure is escaped; only validated names go inside `code`.
 */
export function describeError(error: UserError): Markdown {
  return wording(error) as Markdown;
}

/** Plain text of the same message, for what is stored and escaped again when shown (a rollout's failure reason). */
export const errorText = (error: UserError): string => markdownToPlain(describeError(error));

function wording(error: UserError): string {
  switch (error.code) {
    case "endpoint_not_found":
      return (
        `There is no endpoint named '${md(error.endpoint)}'.` +
        didYouMean(closest(error.endpoint, error.known ?? [])) +
        " Type `endpoints` to list them."
      );
    case "deployment_not_found":
      return (
        `Endpoint ${md(error.endpoint)} has no deployment named '${md(error.deployment)}'. ` +
        `Its deployments: ${list(error.known)}.`
      );
    case "workspace_unreachable":
      return `The Azure ML workspace did not answer (${md(error.detail)}). Try again in a minute; if it persists, tell the platform team.`;
    case "workspace_throttled":
      return `Azure ML is throttling requests right now. Try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : " shortly"}.`;
    case "workspace_auth_failed":
      return `GreenLight could not authenticate to the Azure ML workspace (${md(error.detail)}). Ask the platform team to check the bot's identity and its role on the workspace.`;
    case "metrics_unavailable":
      return `Azure Monitor did not give the metrics of ${md(error.endpoint)} (${md(error.reason)}), so no gate can pass on them. Ask the platform team to check that the bot's identity has the Monitoring Reader role on the workspace.`;
    case "workspace_rejected":
      return `Azure ML refused the request (HTTP ${error.status})${error.message ? `: ${md(error.message)}` : "."}`;
    case "invoke_timeout":
      return `Endpoint ${md(error.endpoint)} did not answer within ${Math.round(error.timeoutMs / 1000)} s. Check its logs with \`logs ${error.endpoint} <deployment>\`.`;
    case "unsupported_auth_mode":
      return (
        `Endpoint ${md(error.endpoint)} uses auth mode '${md(error.authMode)}', which this version of GreenLight ` +
        "cannot sign requests for. Test it in Azure ML studio, or ask the platform team to update GreenLight."
      );
    case "operation_in_progress":
      return `Azure ML is still busy with another change to endpoint ${md(error.endpoint)}. Try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : " in a minute"}.`;
    case "operation_failed":
      return (
        `Azure ML could not finish the change to ${md(error.deployment ? `${error.endpoint}/${error.deployment}` : error.endpoint)}: ` +
        `${md(error.message)}. Check the deployment's logs with \`logs ${error.endpoint} ${error.deployment ?? "<deployment>"}\`.`
      );
    case "model_version_not_found":
      return `Model ${md(error.model)} has no registered version ${md(error.version)}. Its versions: ${list(error.known)}. Type \`models ${error.model}\` to see them.`;
    case "unknown_command":
      return (
        `I don't know the command '${md(error.input)}'.` +
        (error.suggestion ? ` Did you mean \`${error.suggestion}\`?` : "") +
        " Type `help` for the commands you can use."
      );
    case "usage":
      return `${error.problem} Usage: \`${error.usage}\``;
    case "forbidden":
      return (
        `You need the ${eitherOf(error.needed)} role to ${error.action}.` +
        (error.holders.length
          ? ` People who hold it: ${list(error.holders)}.`
          : " Nobody holds it yet; ask the platform team.") +
        (error.accessProblem ? ` ${md(error.accessProblem)}` : "")
      );
    case "invalid_json":
      return `That payload is not valid JSON (${md(error.detail)}). Put the JSON in a code block, or attach a .json file.`;
    case "json_outside_code_block":
      return (
        "That JSON is not in a code block, so GreenLight did not read it. Put it in a code block (```json … ```), " +
        `or attach a .json file. Usage: \`${error.usage}\``
      );
    case "card_button_typed": {
      const known = error.where !== undefined && error.endpoint !== undefined;
      return (
        `\`${error.button}\` is a button on ${error.cards.map((c) => `a ${c}'s card`).join(" or ")}, not a command: ` +
        `${known ? `approvals for ${md(error.endpoint ?? "")}` : "approvals"} are given on the card itself, ` +
        (error.where
          ? `${md(error.where)}. `
          : "in the channel the endpoint's cards go to — the release channel, unless `subscribe` named another. ") +
        `Type \`status${known ? ` ${error.endpoint}` : ""}\` to see what is under way.`
      );
    }
    case "payload_too_large":
      return `That payload is ${Math.ceil(error.bytes / 1024)} KB; the most GreenLight sends is ${Math.floor(error.limitBytes / 1024)} KB. Send a smaller sample.`;
    case "message_too_long":
      return `That message is ${Math.ceil(error.chars / 1024)} K characters long; GreenLight reads at most ${Math.floor(error.limitChars / 1024)} K. For a large payload, attach a .json file instead.`;
    case "sample_not_found":
      return `Endpoint ${md(error.endpoint)} has no sample named '${md(error.sample)}'. Its samples: ${list(error.known)}. Add one with \`sample add ${error.endpoint} <name>\` and a JSON code block.`;
    case "no_payload":
      return (
        `Say what to send to ${md(error.endpoint)}: ` +
        (error.samples.length ? `\`invoke ${error.endpoint} sample ${error.samples[0]}\`, ` : "") +
        "a JSON code block, or an attached .json file."
      );
    case "attachment_unreadable":
      return `I could not read the attached file '${md(error.name)}' (${md(error.detail)}). Attach a UTF-8 .json file, or paste the JSON in a code block.`;
    case "invalid_card_action":
      return `That card action is not valid (${md(error.detail)}). Run the command again to get a fresh card.`;
    case "stale_card":
      return `Nothing changed: that card is out of date for ${md(error.endpoint)} (${md(error.now)}). Use the card as it is now, or type \`status ${error.endpoint}\`.`;
    case "self_approval":
      return `You asked for this ${error.what === "rollout" ? "rollout" : "deletion"} of ${md(error.endpoint)}, so someone else must approve it: a second person checks every risky step. Ask another approver.`;
    case "smoke_test_failed":
      return `The new version failed its smoke test on ${md(error.endpoint)}, so the first step cannot be approved. An admin can override it with a reason on the card, or roll back with \`rollback ${error.endpoint}\`.`;
    case "still_baking":
      return `Nothing changed: the last step of ${md(error.endpoint)} is still baking while the gates watch the new deployment, until ${timeOfDayText(error.until)} (${durationText(error.leftMs)} left). Approve the next step then; an admin can end the bake early with a reason.`;
    case "no_active_rollout":
      return `There is no rollout under way on ${md(error.endpoint)} that this can act on. Type \`status ${error.endpoint}\` to see its last one.`;
    case "rollout_active":
      return `${md(error.endpoint)} already has a rollout under way: ${md(error.model)}, requested by ${md(error.requestedBy)}, now ${md(error.phase)}. Finish it, or roll it back with \`rollback ${error.endpoint}\`, before deploying again.`;
    case "cannot_deploy":
      return `GreenLight cannot start a rollout on ${md(error.endpoint)}: ${md(error.problem)}.`;
    case "cannot_delete":
      return `GreenLight will not delete ${md(error.endpoint)}: ${md(error.problem)}.`;
    case "deletion_pending":
      return `Deleting ${md(error.endpoint)} was already asked for by ${md(error.requestedBy)}; its card waits for an approver. Nothing new was asked.`;
    case "confirmation_mismatch":
      return `The name you typed is not ${md(error.endpoint)}: to confirm, type the endpoint's name exactly as the card shows it, then press Delete again.`;
    case "identity_unknown":
      return (
        `GreenLight cannot tell whether you are the person who asked for this ${error.what} of ${md(error.endpoint)}: ` +
        "Teams sent your click without an Entra object id, and your user principal name could not be read from the " +
        "roster. A second person's approval must come from someone GreenLight can tell apart, so nothing changed. Try " +
        "again from the Teams app; if it persists, tell the platform team."
      );
    case "approval_expired":
      return expired(error);
    case "cannot_roll_back":
      return `GreenLight cannot roll back ${md(error.endpoint)}: ${md(error.problem)}.`;
    case "cannot_resume":
      return `GreenLight cannot continue the rollout on ${md(error.endpoint)} from here: ${md(error.problem)}.`;
  }
}

function expired(error: Extract<UserError, { code: "approval_expired" }>): string {
  const at = minuteText(error.expiredAt);
  switch (error.what) {
    case "step":
      return `That approval expired at ${at}, so nothing changed: GreenLight puts the starting traffic of ${md(error.endpoint)} back. Deploy again to start a new rollout.`;
    case "retirement":
      return `The decision about the old deployment of ${md(error.endpoint)} expired at ${at}: it stays at 0 % and the rollout is complete. Delete it in Azure ML studio if you no longer need it.`;
    case "deletion":
      return `That request expired at ${at}, so nothing was deleted. Ask again with \`delete ${error.endpoint}\`.`;
  }
}

/** A refusal shown on the card that was clicked: its heading and its message, as Markdown. */
export const refusalText = (error: UserError): Markdown => `${errorTitle(error)}: ${describeError(error)}` as Markdown;

/** The heading of an error card. */
export function errorTitle(error: UserError): string {
  switch (error.code) {
    case "forbidden":
      return "Not allowed";
    case "endpoint_not_found":
    case "deployment_not_found":
    case "sample_not_found":
      return "Not found";
    case "workspace_unreachable":
    case "workspace_throttled":
    case "workspace_auth_failed":
    case "workspace_rejected":
    case "metrics_unavailable":
    case "invoke_timeout":
    case "unsupported_auth_mode":
    case "operation_in_progress":
    case "operation_failed":
      return "Azure ML problem";
    case "model_version_not_found":
      return "Not found";
    case "stale_card":
      return "Out of date";
    case "no_active_rollout":
    case "rollout_active":
    case "cannot_deploy":
    case "cannot_delete":
    case "deletion_pending":
    case "confirmation_mismatch":
      return "Nothing changed";
    case "self_approval":
    case "identity_unknown":
      return "Not allowed";
    case "approval_expired":
      return "Expired";
    case "cannot_roll_back":
    case "cannot_resume":
      return "Nothing changed";
    case "smoke_test_failed":
      return "Blocked by the smoke test";
    case "still_baking":
      return "Still baking";
    case "card_button_typed":
      return "Use the card";
    case "unknown_command":
    case "usage":
    case "invalid_json":
    case "json_outside_code_block":
    case "payload_too_large":
    case "message_too_long":
    case "no_payload":
    case "attachment_unreadable":
    case "invalid_card_action":
      return "Check the command";
  }
}
