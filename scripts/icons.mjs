/**
 * Draws the app's colour icons from shapes, so they can be remade without an image editor:
 *   node scripts/icons.mjs
 * - teams/<web part id>_color.png: 192x192, full-bleed (Teams rounds the corners itself)
 * - sharepoint/images/app-icon.png: 96x96, the app catalog's icon (package-solution.json iconPath)
 * An envelope with a check mark: "the account that sends is connected".
 */
import { deflateSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'src/webparts/connectionSettings/ConnectionSettingsWebPart.manifest.json'), 'utf8'));

const BRAND = [0x0f, 0x6c, 0xbd];
const WHITE = [0xff, 0xff, 0xff];

/** Distance from p to the segment a-b. */
function segment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Signed distance to a rounded rectangle centred at (cx, cy) with half sizes hx, hy and radius r. */
function roundedBox(px, py, cx, cy, hx, hy, r) {
  const qx = Math.abs(px - cx) - hx + r;
  const qy = Math.abs(py - cy) - hy + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/**
 * The drawing in a 0..1 square: a list of layers, each a colour and an inside(x, y) test.
 * `stroke` is the line width as a fraction of the icon.
 */
function layers(stroke, badge) {
  const env = { cx: 0.44, cy: 0.47, hx: 0.3, hy: 0.21, r: 0.05 };
  const envelope = (x, y) => {
    const d = roundedBox(x, y, env.cx, env.cy, env.hx, env.hy, env.r);
    const flap = Math.min(
      segment(x, y, env.cx - env.hx + 0.04, env.cy - env.hy + 0.04, env.cx, env.cy + 0.03),
      segment(x, y, env.cx + env.hx - 0.04, env.cy - env.hy + 0.04, env.cx, env.cy + 0.03)
    );
    return Math.abs(d + stroke / 2) <= stroke / 2 || (d < 0 && flap <= stroke / 2);
  };
  const b = { cx: 0.74, cy: 0.72, r: 0.17 };
  const ring = (x, y) => Math.hypot(x - b.cx, y - b.cy) <= b.r + stroke * 0.9;
  const disc = (x, y) => Math.hypot(x - b.cx, y - b.cy) <= b.r;
  const check = (x, y) => Math.min(
    segment(x, y, b.cx - 0.085, b.cy + 0.005, b.cx - 0.025, b.cy + 0.065),
    segment(x, y, b.cx - 0.025, b.cy + 0.065, b.cx + 0.09, b.cy - 0.06)
  ) <= stroke * 0.45;
  return [
    { colour: WHITE, inside: (x, y) => envelope(x, y) && !ring(x, y) },
    { colour: WHITE, inside: disc },
    { colour: badge, inside: check }
  ];
}

/** RGBA pixels with 4x4 supersampling; background null = transparent. */
function render(size, background, drawing) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, bl = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let colour = background;
          for (const layer of drawing) {
            if (layer.inside(x, y)) colour = layer.colour;
          }
          if (colour) {
            r += colour[0]; g += colour[1]; bl += colour[2]; a += 1;
          }
        }
      }
      const o = (py * size + px) * 4;
      pixels[o] = a ? Math.round(r / a) : 0;
      pixels[o + 1] = a ? Math.round(g / a) : 0;
      pixels[o + 2] = a ? Math.round(bl / a) : 0;
      pixels[o + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0;
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ]);
}

function write(relative, size, background, drawing) {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png(size, render(size, background, drawing)));
  console.log(`${relative} ${size}x${size}`);
}

write(`teams/${manifest.id}_color.png`, 192, BRAND, layers(0.055, BRAND));
write('sharepoint/images/app-icon.png', 96, BRAND, layers(0.06, BRAND));
