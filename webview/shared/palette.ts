// Colours of the range map, read from CSS custom properties that map onto VS Code's theme
// variables (media/map.css: --el-data: var(--vscode-charts-blue) ...). VS Code changes the
// variables (on <html style>) and the body class (vscode-light / vscode-dark /
// vscode-high-contrast) when the theme changes; we watch both and redraw.
import { EXTENT_CLASSES } from '../../src/protocol/messages';

export interface Palette {
  /** One colour per EXTENT_CLASSES entry. */
  classes: string[];
  hole: string;
  track: string;
  selection: string;
  hover: string;
  viewport: string;
  foreground: string;
  highContrast: boolean;
}

function v(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readPalette(): Palette {
  const s = getComputedStyle(document.body);
  return {
    classes: EXTENT_CLASSES.map((c) => v(s, `--el-${c}`, '#888')),
    hole: v(s, '--el-hole', '#00000000'),
    track: v(s, '--el-track', '#8884'),
    selection: v(s, '--el-selection', '#007fd4'),
    hover: v(s, '--el-hover', '#ffffff80'),
    viewport: v(s, '--el-viewport', '#007fd4'),
    foreground: v(s, '--el-foreground', '#ccc'),
    highContrast:
      document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  };
}

/** Call `fn` whenever the theme changes (body class or <html> inline variables). */
export function onThemeChange(fn: () => void): void {
  let queued = false;
  const kick = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
  const mo = new MutationObserver(kick);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
}
