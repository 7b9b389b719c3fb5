import type { Notice } from "../../ports/notifier.js";
import { code, msg } from "../views/markdown.js";

/** What GreenLight says in the release channel when it starts, so people know where its notifications will appear. */
export function onlineAnnouncement(workspace: string): Notice {
  return {
    kind: "text",
    text: msg`GreenLight is online, managing ${workspace}. Approval requests and rollout status for its endpoints will be posted in this channel. @mention GreenLight with ${code("help")} to see what you can do.`,
  };
}
