import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ACData from "adaptivecards-templating";
import type { CardName } from "../../core/commands/reply.js";

const CARDS_DIR = fileURLToPath(new URL("../../../cards/", import.meta.url));

export type TemplateName = CardName | "error";

/**
 * Adaptive Card templates from `cards/*.card.json`, expanded with `adaptivecards-templating`. Each is parsed when first
 * rendered: parsing them all takes a few hundred milliseconds, which the first reply would wait for.
 */
export class CardRenderer {
  private readonly files = new Map<string, string>();
  private readonly templates = new Map<string, ACData.Template>();

  constructor(dir: string = CARDS_DIR) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".card.json"))) {
      this.files.set(file.replace(/\.card\.json$/, ""), `${dir}/${file}`);
    }
  }

  /** Throws for a name with no template (core names its cards; a test renders each). */
  render(name: TemplateName | (string & {}), data: object): Record<string, unknown> {
    return this.template(name).expand({ $root: data }) as Record<string, unknown>;
  }

  private template(name: string): ACData.Template {
    const parsed = this.templates.get(name);
    if (parsed) return parsed;
    const file = this.files.get(name);
    if (!file) throw new Error(`No card template named ${name}`);
    const template = new ACData.Template(JSON.parse(readFileSync(file, "utf8")) as object);
    this.templates.set(name, template);
    return template;
  }
}
