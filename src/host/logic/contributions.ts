// The command ids this extension contributes, and which of them change files. The mutating
// ones are unavailable in restricted mode: package.json hides them (when: isWorkspaceTrusted)
// and each handler refuses them again in code (a keybinding or another extension can still
// call executeCommand). test/unit/commands-manifest.test.ts keeps package.json in step.

export const COMMANDS = {
  inspect: 'extentLens.inspect',
  selectForClone: 'extentLens.selectForClone',
  cloneHere: 'extentLens.cloneHere',
  cloneTo: 'extentLens.cloneTo',
  cloneRange: 'extentLens.cloneRange',
  serverSideCopy: 'extentLens.serverSideCopy',
  punchHole: 'extentLens.punchHole',
  digHoles: 'extentLens.digHoles',
  setSparse: 'extentLens.setSparse',
  clearSparse: 'extentLens.clearSparse',
  showVolume: 'extentLens.showVolume',
  clearCloneSelection: 'extentLens.clearCloneSelection',
  analyzeSpace: 'extentLens.analyzeSpace',
  findDuplicates: 'extentLens.findDuplicates',
  openSmbShare: 'extentLens.openSmbShare',
  forgetSmbPassword: 'extentLens.forgetSmbPassword',
  enterSmbPassword: 'extentLens.enterSmbPassword',
} as const;

type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const MUTATING_COMMANDS: readonly CommandId[] = [
  COMMANDS.cloneHere,
  COMMANDS.cloneTo,
  COMMANDS.cloneRange,
  COMMANDS.serverSideCopy,
  COMMANDS.punchHole,
  COMMANDS.digHoles,
  COMMANDS.setSparse,
  COMMANDS.clearSparse,
];

/** Context key: true while at least one file is selected for cloning. */
export const HAS_CLONE_SELECTION = 'extentLens.hasCloneSelection';
export const INSPECTOR_VIEW_TYPE = 'extentLens.inspector';
export const INSPECTOR_PANEL_TYPE = 'extentLens.inspectorPanel';
export const CLONE_RESULTS_PANEL_TYPE = 'extentLens.cloneResults';
export const SPACE_PANEL_TYPE = 'extentLens.space';
export const DEDUPE_PANEL_TYPE = 'extentLens.dedupe';
