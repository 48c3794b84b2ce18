/** The one place the extension touches the adapter's session class: an inline adapter in the extension host. */
import type * as vscode from 'vscode';
import { XenDebugSession } from '../../debug-adapter/session';

export function createInlineSession(): vscode.DebugAdapter {
  // DebugSession implements VS Code's DebugAdapter shape (handleMessage, onDidSendMessage, dispose).
  return new XenDebugSession();
}
