import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { crc32 } from "./lib/crc32.js";

/** Draws the Teams app icons (192×192 colour, 32×32 white outline on transparent) as PNG files. */
type Pixel = [number, number, number, number];

function png(size: number, pixel: (x: number, y: number) => Pixel): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// A traffic light's green lamp: a ring and a dot.
const distance = (x: number, y: number, size: number): number =>
  Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) / (size / 2);

const color = png(192, (x, y) => {
  const d = distance(x, y, 192);
  if (d < 0.42) return [0x3b, 0xd1, 0x6f, 255];
  if (d > 0.62 && d < 0.78) return [0x3b, 0xd1, 0x6f, 255];
  return [0x1f, 0x2a, 0x37, 255];
});
const outline = png(32, (x, y) => {
  const d = distance(x, y, 32);
  return d < 0.42 || (d > 0.66 && d < 0.9) ? [255, 255, 255, 255] : [0, 0, 0, 0];
});
writeFileSync("manifest/color.png", color);
writeFileSync("manifest/outline.png", outline);
console.log("wrote manifest/color.png (192×192) and manifest/outline.png (32×32)");
