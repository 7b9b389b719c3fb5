import { readMessageText } from "../src/core/commands/message-text.js";

/** Inputs that made the old regex parser quadratic: unclosed tags and fences, repeated. */
const ADVERSARIAL = ["<pre>", "<code>", "<at>", "```", "<", "<b", "`"];

export interface ParseBench {
  lines: string[];
  /** Time for 4× the text over time for 1×: 4 for a linear parser, 16 for a quadratic one. */
  worstRatio: number;
}

/** Message-text parsing on adversarial input at 50 KB and 200 KB (above the 28 K cap, to show the growth). */
export function benchParse(): ParseBench {
  const lines = ["Message text parsing (adversarial input, best of 5 runs per size)"];
  let worstRatio = 0;
  for (const pattern of ADVERSARIAL) {
    const [small, large] = [50_000, 200_000].map((chars) => {
      const text = pattern.repeat(Math.ceil(chars / pattern.length));
      let best = Infinity;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        readMessageText(text);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    }) as [number, number];
    const ratio = large / Math.max(small, 0.01);
    worstRatio = Math.max(worstRatio, ratio);
    lines.push(
      `  ${JSON.stringify(pattern).padEnd(8)} 50 KB ${small.toFixed(1).padStart(6)} ms   200 KB ${large.toFixed(1).padStart(6)} ms   ×${ratio.toFixed(1)}`,
    );
  }
  lines.push(`  worst 200 KB / 50 KB time: ×${worstRatio.toFixed(1)} (linear ≈ 4, quadratic ≈ 16)`);
  return { lines, worstRatio };
}
