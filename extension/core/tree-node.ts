/** The view-independent shape of a row in the Xen views; extension/views maps it onto a vscode.TreeItem. */

/** Where clicking a row takes the user. */
export type RevealTarget =
  | { kind: 'source'; path: string; line: number }
  | { kind: 'address'; address: string; threadId?: number };

export interface XenTreeNode {
  /** Unique within its view and stable across refreshes, so expansion state survives. */
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  /** Codicon id (`pass`, `error`, …) and an optional theme colour id. */
  icon?: string;
  iconColor?: string;
  /** For `view/item/context` menus. */
  contextValue?: string;
  children?: XenTreeNode[];
  expanded?: boolean;
  reveal?: RevealTarget;
  /** What commands invoked on this row act on. */
  data?: { domid?: number; port?: number; threadId?: number };
}

/** `0x1f` → `0x1f`; numbers to hex; anything else as text. */
export function hex(v: number | string): string {
  return typeof v === 'number' ? `0x${v.toString(16)}` : v;
}
