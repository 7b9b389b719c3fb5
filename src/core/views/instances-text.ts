import type { InstanceScale } from "../../ports/workspace.js";

/** "2 × Standard_DS3_v2", "autoscale 1–5 × …", as plain text: only what Azure said, never a count it did not send. */
export function instancesText(scale: InstanceScale, instanceType: string): string {
  const type = instanceType ? ` × ${instanceType}` : "";
  switch (scale.kind) {
    case "fixed":
      return `${scale.count}${type}`;
    case "autoscale":
      return `autoscale ${scale.min ?? "?"}–${scale.max ?? "?"}${type}`;
    case "unknown":
      return `not reported${type}`;
  }
}
