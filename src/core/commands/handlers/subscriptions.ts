import type { Markdown } from "../../../ports/notifier.js";
import { personOf } from "../../people/identity.js";
import { code, escapeMarkdown as md, joined, msg, trusted } from "../../views/markdown.js";
import { minuteText } from "../../views/time.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";

/** `usage` is the command's form as the command table writes it. */
const notInChannel = (command: "subscribe" | "unsubscribe" | "subscriptions", usage: string): Reply => ({
  kind: "error",
  error: {
    code: "usage",
    command,
    usage,
    problem: `Run \`${command}\` in the channel it is about: @mention GreenLight there.`,
  },
});

const what = (endpoint: string | undefined): Markdown => (endpoint ? md(endpoint) : msg`every endpoint`);

/**
 * `subscribe [endpoint]` (in a channel): approvals and rollout notifications for the endpoint, or for all, go to this
 * channel. A rollout's card is posted in its endpoint's first subscribed channel; the release channel is the default.
 */
export async function subscribe(ctx: CommandContext, endpoint: string | undefined, usage: string): Promise<Reply> {
  const channel = ctx.where.channel;
  if (!channel) return notInChannel("subscribe", usage);
  let name = endpoint;
  if (endpoint) {
    const found = await ctx.workspace.getEndpoint(endpoint);
    if (!found.ok) return { kind: "error", error: found.error };
    name = found.value.name;
  }
  const added = await ctx.subscriptions.subscribe({
    channel,
    ...(name ? { endpoint: name } : {}),
    by: personOf(ctx.caller),
    at: ctx.clock.now(),
  });
  return {
    kind: "text",
    text: added
      ? msg`This channel now gets approvals and rollout notifications for ${trusted(what(name))}. Rollouts already under way keep their card where it is.`
      : msg`This channel already gets approvals and rollout notifications for ${trusted(what(name))}.`,
  };
}

/** `unsubscribe [endpoint]` (in a channel): undoes `subscribe`. */
export async function unsubscribe(ctx: CommandContext, endpoint: string | undefined, usage: string): Promise<Reply> {
  const channel = ctx.where.channel;
  if (!channel) return notInChannel("unsubscribe", usage);
  const removed = await ctx.subscriptions.unsubscribe(channel.channelId, endpoint);
  return {
    kind: "text",
    text: removed
      ? msg`This channel no longer gets approvals and rollout notifications for ${trusted(what(endpoint))}.`
      : msg`This channel was not subscribed to ${trusted(what(endpoint))}. Type ${code("subscriptions")} to see what it is subscribed to.`,
  };
}

/** `subscriptions` (in a channel): what this channel is subscribed to. */
export async function listSubscriptions(ctx: CommandContext, usage: string): Promise<Reply> {
  const channel = ctx.where.channel;
  if (!channel) return notInChannel("subscriptions", usage);
  const subscriptions = await ctx.subscriptions.subscriptionsOf(channel.channelId);
  if (subscriptions.length === 0) {
    return {
      kind: "text",
      text: msg`This channel is not subscribed to any endpoint. ${ctx.rolloutSettings.releaseChannel?.channelId === channel.channelId ? "It is the release channel, so it gets every endpoint nobody subscribed to. " : ""}Subscribe it with ${code("subscribe <endpoint>")}, or ${code("subscribe")} for every endpoint.`,
    };
  }
  const lines = subscriptions.map(
    (s) => msg`${trusted(what(s.endpoint))} (since ${minuteText(s.at)}, by ${s.by.name})`,
  );
  return {
    kind: "text",
    text: msg`This channel gets approvals and rollout notifications for: ${joined(lines, "; ")}.`,
  };
}
