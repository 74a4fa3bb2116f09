// VS Code-like themes for the webviews in real Chromium (test/webview/*.test.ts): the variables
// a theme sets, switching them as VS Code does, and a colour's bytes to compare pixels with.
import type { Page } from 'playwright-core';
import { frames } from './harness';

export const hexToRgb = (h: string): [number, number, number] => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
];

/** VS Code-like theme variables (a subset of Dark Modern / Light Modern / High Contrast / High Contrast Light). */
export const THEMES = {
  dark: {
    body: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-inactiveSelectionBackground': '#37373d',
      '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorHoverWidget-border': '#454545',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
    },
  },
  light: {
    body: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-editor-background': '#ffffff',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-red': '#e51400',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-list-activeSelectionBackground': '#e8e8e8',
      '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
      '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorHoverWidget-border': '#c8c8c8',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
    },
  },
  highContrast: {
    body: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffffb3',
      '--vscode-editor-background': '#000000',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#ffd700',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-orange': '#ff8c00',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-red': '#f48771',
      '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorHoverWidget-border': '#6fc3df',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
    },
  },
  /**
   * High Contrast Light: VS Code's webviews get both body classes (vscode-high-contrast too, for
   * backwards compatibility); charts.orange is its default there, minimap.findMatchHighlight's #0F4A85.
   */
  highContrastLight: {
    body: 'vscode-high-contrast-light vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-foreground': '#292929',
      '--vscode-descriptionForeground': '#292929b3',
      '--vscode-editor-background': '#ffffff',
      '--vscode-contrastBorder': '#0f4a85',
      '--vscode-contrastActiveBorder': '#006bbd',
      '--vscode-panel-border': '#0f4a85',
      '--vscode-focusBorder': '#006bbd',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#895503',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-orange': '#0f4a85',
      '--vscode-charts-green': '#374e06',
      '--vscode-charts-red': '#b5200d',
      '--vscode-editorHoverWidget-background': '#ffffff',
      '--vscode-editorHoverWidget-border': '#0f4a85',
      '--vscode-button-background': '#0f4a85',
      '--vscode-button-foreground': '#ffffff',
    },
  },
} as const;

export type ThemeName = keyof typeof THEMES;

/** Switch theme the way VS Code does: body class + variables in <html style>. */
export async function applyTheme(page: Page, name: ThemeName): Promise<void> {
  const t = THEMES[name];
  await page.evaluate(
    ([cls, vars]) => {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      document.body.classList.add(...(cls as string).split(' '));
      const style = document.documentElement.style;
      for (const [k, v] of Object.entries(vars as Record<string, string>)) style.setProperty(k, v);
    },
    [t.body, t.vars] as const,
  );
  await frames(page, 3);
}
