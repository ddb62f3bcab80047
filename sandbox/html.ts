import { createHash } from 'node:crypto';

export class Html {
  constructor(readonly value: string) {}
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** every interpolated value is escaped unless it is itself Html */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1]) + s));
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f3f5f8;color:#1f2329}
.banner{background:#ffb800;color:#1f2329;text-align:center;padding:8px;font-weight:600}
.card{max-width:420px;margin:40px auto;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:28px}
h1{font-size:20px;margin:0 0 4px}.sub{color:#646a73;margin:0 0 20px}
.brand{color:#0082ef;font-weight:700;margin-bottom:16px}
.members{display:grid;gap:8px;margin:12px 0}
.member{display:flex;align-items:center;gap:10px;width:100%;padding:8px 12px;border:1px solid #dee0e3;border-radius:8px;background:#fff;font:inherit;text-align:left;cursor:pointer}
.member:hover{border-color:#0082ef}.member.selected{border-color:#0082ef;background:#e8f3ff}
.avatar{width:32px;height:32px;border-radius:6px;background:#0082ef;color:#fff;display:inline-flex;align-items:center;justify-content:center;font-weight:600;flex:none}
.tag{margin-left:auto;font-size:12px;color:#8f959e}
.actions{display:flex;gap:12px;margin-top:20px}
.btn{flex:1;padding:10px;border-radius:8px;border:1px solid #dee0e3;background:#fff;font:inherit;cursor:pointer}
.btn.primary{background:#0082ef;border-color:#0082ef;color:#fff}
.qr{display:block;margin:0 auto 12px;width:180px;height:180px;border:1px solid #dee0e3;padding:8px;border-radius:8px}
.error-text{color:#d83931;background:#fef0f0;border-radius:8px;padding:12px}
ul.scopes{color:#646a73;padding-left:20px}
.switch{margin-top:24px;padding-top:16px;border-top:1px solid #eef0f3}
`;

export function layout(title: string, body: Html, lang = 'zh-CN'): string {
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${new Html(STYLE)}</style></head>
<body><div class="banner" role="note">WeCom sandbox · 企业微信沙箱 — a local stand-in, not the real WeCom</div>
<main class="card">${body}</main></body></html>`.value;
}

export function avatar(name: string, url: string | undefined): Html {
  return url?.startsWith('data:')
    ? html`<img class="avatar" alt="" src="${url}">`
    : html`<span class="avatar" aria-hidden="true">${[...name][0] ?? '?'}</span>`;
}

/** a decorative QR-like square derived from the seed */
export function fakeQr(seed: string): Html {
  const n = 25;
  const bits = createHash('sha512').update(seed).digest();
  const finder = (x: number, y: number): boolean =>
    [[0, 0], [n - 7, 0], [0, n - 7]].some(([fx, fy]) => {
      const dx = x - fx, dy = y - fy;
      if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return false;
      const ring = Math.min(dx, dy, 6 - dx, 6 - dy);
      return ring !== 1;
    });
  const inFinderZone = (x: number, y: number): boolean => (x < 8 && y < 8) || (x > n - 9 && y < 8) || (x < 8 && y > n - 9);
  let rects = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      const on = inFinderZone(x, y) ? finder(x, y) : ((bits[Math.floor(i / 8) % bits.length] >> (i % 8)) & 1) === 1;
      if (on) rects += `<rect x="${x}" y="${y}" width="1" height="1"/>`;
    }
  }
  return new Html(`<svg class="qr" viewBox="0 0 ${n} ${n}" role="img" aria-label="QR code (sandbox)" shape-rendering="crispEdges">${rects}</svg>`);
}
