/** What a chat message says once Teams' markup is taken off: its text and any code blocks. */
export interface MessageText {
  /** The words of the message, code blocks removed, whitespace collapsed. */
  text: string;
  /** Contents of fenced (```) or <pre>/<code> blocks, in order. */
  codeBlocks: string[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
const MAX_CODE_POINT = 0x10ffff;

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,8}|#\d{1,8}|[a-z]{1,8});/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= MAX_CODE_POINT ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Characters examined while reading one message, summed over every text read. */
interface Work {
  scanned: number;
}

/**
 * A text read from left to right. `find` is `indexOf` that remembers where each needle was found (or that it is
 * absent), so an unclosed `<pre>` repeated a thousand times costs one scan, not a thousand. Every search and every
 * piece taken out adds what it examined to `work` (one addition each), so a test can check that reading stays linear
 * by the work done rather than by time; the parsers read their text only through here.
 */
class Scan {
  private readonly found = new Map<string, number>();

  constructor(
    readonly text: string,
    private readonly work: Work,
  ) {}

  find(needle: string, from: number): number {
    const known = this.found.get(needle);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const at = this.text.indexOf(needle, from);
    this.work.scanned += (at < 0 ? this.text.length : at + needle.length) - from;
    this.found.set(needle, at);
    return at;
  }

  slice(start: number, end = this.text.length): string {
    this.work.scanned += Math.max(0, end - start);
    return this.text.slice(start, end);
  }
}

/** Lower-cases A–Z only, so every index into the result is an index into `s`. */
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** The tag at `lt` (`<pre class="x">` → `pre`, `</p>` → `/p`), or undefined when `<` does not start a tag. */
function tagName(s: string, lt: number): string | undefined {
  const match = /^<(\/?[a-z][a-z0-9]*)/i.exec(s.slice(lt, lt + 12));
  return match?.[1]?.toLowerCase();
}

/**
 * Takes the HTML off message text in one left-to-right pass: mentions go, `<pre>` and JSON-looking `<code>` become
 * code blocks, line breaks stay, other tags become spaces, entities are decoded.
 */
function stripHtml(raw: string, codeBlocks: string[], work: Work): string {
  // Searched lower-cased (`</PRE>` closes `<pre>`), cut from the original.
  const lower = new Scan(asciiLower(raw), work);
  const original = new Scan(raw, work);
  const out: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const lt = lower.find("<", i);
    if (lt < 0) break;
    const name = tagName(raw, lt);
    const gt = name === undefined ? -1 : lower.find(">", lt);
    if (name === undefined || gt < 0) {
      // Not a tag: the "<" is text.
      out.push(decodeEntities(original.slice(i, lt + 1)));
      i = lt + 1;
      continue;
    }
    out.push(decodeEntities(original.slice(i, lt)));
    i = gt + 1;
    if (name === "at" || name === "pre" || name === "code") {
      const close = lower.find(`</${name}`, i);
      const closeEnd = close < 0 ? -1 : lower.find(">", close);
      if (closeEnd < 0) {
        // Unclosed: the opening tag is dropped like any other.
        out.push(" ");
        continue;
      }
      const inner = original.slice(i, close);
      i = closeEnd + 1;
      if (name === "at") {
        out.push(" ");
      } else {
        const text = decodeEntities(innerText(inner, work)).trim();
        // <pre> is always a payload; inline <code> only when it holds JSON (`show x` is just words).
        if (name === "pre" || /^[[{]/.test(text)) {
          codeBlocks.push(text);
          out.push(" ");
        } else {
          out.push(` ${text} `);
        }
      }
      continue;
    }
    out.push(name === "br" || name === "/p" || name === "/div" ? "\n" : " ");
  }
  out.push(decodeEntities(original.slice(i)));
  return out.join("");
}

/** The text inside a code element: `<br>` as a newline, other tags removed (one pass, no backtracking). */
function innerText(html: string, work: Work): string {
  const scan = new Scan(html, work);
  let out = "";
  let i = 0;
  while (i < html.length) {
    const lt = scan.find("<", i);
    if (lt < 0) break;
    const gt = scan.find(">", lt);
    if (gt < 0) break;
    out += scan.slice(i, lt);
    if (tagName(html, lt) === "br") out += "\n";
    i = gt + 1;
  }
  return out + scan.slice(i);
}

/** Takes Markdown code off text: fenced blocks are payloads, inline code is a payload when it holds JSON. */
function stripMarkdownCode(s: string, codeBlocks: string[], work: Work): string {
  const scan = new Scan(s, work);
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const tick = scan.find("`", i);
    if (tick < 0) break;
    out.push(scan.slice(i, tick));
    if (s.startsWith("```", tick)) {
      const end = scan.find("```", tick + 3);
      if (end < 0) {
        out.push(scan.slice(tick));
        i = s.length;
        break;
      }
      // ```json\n{…}``` : the info string is the letters right after the fence.
      const body = scan.slice(tick + 3, end).replace(/^[a-zA-Z]*/, "");
      codeBlocks.push(body.trim());
      out.push(" ");
      i = end + 3;
      continue;
    }
    const close = scan.find("`", tick + 1);
    const newline = scan.find("\n", tick + 1);
    if (close > tick + 1 && (newline < 0 || close < newline)) {
      const text = scan.slice(tick + 1, close).trim();
      if (/^[[{]/.test(text)) {
        codeBlocks.push(text);
        out.push(" ");
      } else {
        out.push(` ${text} `);
      }
      i = close + 1;
    } else {
      out.push("`");
      i = tick + 1;
    }
  }
  out.push(scan.slice(i));
  return out.join("");
}

/**
 * Reads message text as Teams sends it: plain, Markdown, or HTML (`<p>`, `<br>`, `<pre><code>`, `&nbsp;`), with any
 * `<at>…</at>` mention of the bot already removed or still present. Linear in the length of the text.
 */
export function readMessageText(raw: string): MessageText {
  return scanMessageText(raw).message;
}

/** `readMessageText`, also saying how many characters it examined: its linearity is tested on work done, not time. */
export function scanMessageText(raw: string): { message: MessageText; scanned: number } {
  const work: Work = { scanned: 0 };
  const codeBlocks: string[] = [];
  const text = stripMarkdownCode(stripHtml(raw, codeBlocks, work), codeBlocks, work);
  return { message: { text: text.replace(/\s+/g, " ").trim(), codeBlocks }, scanned: work.scanned };
}
