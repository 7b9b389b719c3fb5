import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ACData from "adaptivecards-templating";
import type { CardName } from "../../core/commands/reply.js";

const CARDS_DIR = fileURLToPath(new URL("../../../cards/", import.meta.url));

export type TemplateName = CardName | "error";

/** Adaptive Card templates from `cards/*.card.json`, parsed once, expanded with `adaptivecards-templating`. */
export class CardRenderer {
  private readonly templates = new Map<string, ACData.Template>();

  constructor(dir: string = CARDS_DIR) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".card.json"))) {
      const json = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as object;
      this.templates.set(file.replace(/\.card\.json$/, ""), new ACData.Template(json));
    }
  }

  /** Throws for a name with no template (core names its cards; a test renders each). */
  render(name: TemplateName | (string & {}), data: object): Record<string, unknown> {
    const template = this.templates.get(name);
    if (!template) throw new Error(`No card template named ${name}`);
    return template.expand({ $root: data }) as Record<string, unknown>;
  }
}
