/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;color:#1b1b1b}
main{max-width:440px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
main.wide{max-width:1100px;padding:24px 32px}
h1{font-size:24px;font-weight:600;margin:0 0 16px}h2{font-size:18px;font-weight:600;margin:24px 0 8px}
label{display:block;margin:12px 0 4px}input[type=text],input[type=email],input[type=password],input[type=number],select{width:100%;padding:6px 2px;border:0;border-bottom:1px solid #666;font-size:15px}
button{background:#0067b8;color:#fff;border:0;padding:8px 24px;font-size:15px;cursor:pointer;margin:16px 8px 0 0}button.secondary{background:#ccc;color:#000}
.error{color:#e81123;margin:8px 0}.hint{color:#555;font-size:13px}.tenant{color:#555;font-size:13px;margin-bottom:12px}
ul.perms li{margin:6px 0}code{background:#f4f4f4;padding:1px 4px}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}
.accounts button{display:block;width:100%;text-align:left;background:#fff;color:#1b1b1b;border:1px solid #ccc;margin:4px 0;padding:8px}
nav a{margin-right:16px}pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;font-size:12px}
`;

/** A complete page; `body` must already be escaped. */
export function page(title: string, body: string, opts: { wide?: boolean; script?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main${opts.wide ? ' class="wide"' : ''}>${body}</main>${opts.script ? `<script>${opts.script}</script>` : ''}</body></html>`;
}
