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

/**
 * `indexOf` for a text read from left to right: it remembers where each needle was found (or that it is absent), so
 * an unclosed `<pre>` repeated a thousand times costs one scan, not a thousand — parsing stays linear in the text.
 */
function forwardSearch(text: string): (needle: string, from: number) => number {
  const found = new Map<string, number>();
  return (needle, from) => {
    const known = found.get(needle);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const at = text.indexOf(needle, from);
    found.set(needle, at);
    return at;
  };
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
function stripHtml(raw: string, codeBlocks: string[]): string {
  const lower = asciiLower(raw);
  const find = forwardSearch(lower);
  const out: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const lt = raw.indexOf("<", i);
    if (lt < 0) break;
    const name = tagName(raw, lt);
    const gt = name === undefined ? -1 : find(">", lt);
    if (name === undefined || gt < 0) {
      // Not a tag: the "<" is text.
      out.push(decodeEntities(raw.slice(i, lt + 1)));
      i = lt + 1;
      continue;
    }
    out.push(decodeEntities(raw.slice(i, lt)));
    i = gt + 1;
    if (name === "at" || name === "pre" || name === "code") {
      const close = find(`</${name}`, i);
      const closeEnd = close < 0 ? -1 : find(">", close);
      if (closeEnd < 0) {
        // Unclosed: the opening tag is dropped like any other.
        out.push(" ");
        continue;
      }
      const inner = raw.slice(i, close);
      i = closeEnd + 1;
      if (name === "at") {
        out.push(" ");
      } else {
        const text = decodeEntities(innerText(inner)).trim();
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
  out.push(decodeEntities(raw.slice(i)));
  return out.join("");
}

/** The text inside a code element: `<br>` as a newline, other tags removed (one pass, no backtracking). */
function innerText(html: string): string {
  const find = forwardSearch(html);
  let out = "";
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    if (lt < 0) break;
    const gt = find(">", lt);
    if (gt < 0) break;
    out += html.slice(i, lt);
    if (tagName(html, lt) === "br") out += "\n";
    i = gt + 1;
  }
  return out + html.slice(i);
}

/** Takes Markdown code off text: fenced blocks are payloads, inline code is a payload when it holds JSON. */
function stripMarkdownCode(s: string, codeBlocks: string[]): string {
  const find = forwardSearch(s);
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const tick = s.indexOf("`", i);
    if (tick < 0) break;
    out.push(s.slice(i, tick));
    if (s.startsWith("```", tick)) {
      const end = find("```", tick + 3);
      if (end < 0) {
        out.push(s.slice(tick));
        i = s.length;
        break;
      }
      // ```json\n{…}``` : the info string is the letters right after the fence.
      const body = s.slice(tick + 3, end).replace(/^[a-zA-Z]*/, "");
      codeBlocks.push(body.trim());
      out.push(" ");
      i = end + 3;
      continue;
    }
    const close = find("`", tick + 1);
    const newline = find("\n", tick + 1);
    if (close > tick + 1 && (newline < 0 || close < newline)) {
      const text = s.slice(tick + 1, close).trim();
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
  out.push(s.slice(i));
  return out.join("");
}

/**
 * Reads message text as Teams sends it: plain, Markdown, or HTML (`<p>`, `<br>`, `<pre><code>`, `&nbsp;`), with any
 * `<at>…</at>` mention of the bot already removed or still present. Linear in the length of the text.
 */
export function readMessageText(raw: string): MessageText {
  const codeBlocks: string[] = [];
  const text = stripMarkdownCode(stripHtml(raw, codeBlocks), codeBlocks);
  return { text: text.replace(/\s+/g, " ").trim(), codeBlocks };
}
