/** A tiny element builder: h('button', { class: 'primary', onclick }, 'Connect'). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'style' && typeof value === 'object') for (const [name, v] of Object.entries(value)) el.style.setProperty(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v);
    else if (key === 'value' || key === 'checked') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** `#rgb`/`#rrggbb` or null: colours from the project are checked before they reach CSS. */
export function hexColor(value) {
  return typeof value === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value.trim()) ? value.trim() : null;
}

/** Black or white, whichever reads better on the colour. */
export function textOn(hex) {
  const full = hex.length === 4 ? `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}` : hex;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.4 ? '#111111' : '#ffffff';
}

/** An error from the SDK or the server, in words: never raw JSON. */
export function errorText(error, fallback = 'Something went wrong. Try again.') {
  let message = typeof error === 'string' ? error : error?.message ?? error?.error ?? '';
  if (typeof message !== 'string') message = '';
  const trimmed = message.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed);
      message = typeof parsed.message === 'string' ? parsed.message : '';
    } catch {
      message = '';
    }
  }
  return message || fallback;
}

/** The type the SDK knows an integration by: custom integrations go by their slug. */
export function integrationTypeOf(integration) {
  return integration.type === 'custom' && integration.customIntegration ? integration.customIntegration.slug : integration.type;
}
