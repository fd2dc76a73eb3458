// Workspace trust, as the host's vscode-free parts check it. Training, trying, inspecting and
// exporting run a worker that loads a model and prompt, data and checkpoint files from the workspace,
// so in an untrusted workspace none of them starts, whichever button or command asked: the run
// manager and the prompt worker check before anything is queued or launched. No vscode import.

/** An action that runs a model was asked for in an untrusted workspace. */
export class UntrustedWorkspaceError extends Error {
  constructor(action: string) {
    super(`${action} needs a trusted workspace: it runs a model on files from this folder. Trust the workspace (Workspaces: Manage Workspace Trust), then try again.`);
    this.name = 'UntrustedWorkspaceError';
  }
}

/** Throws UntrustedWorkspaceError naming `action` ("Training", "Trying a prompt") unless the workspace is trusted. */
export type TrustCheck = (action: string) => void;

export function trustCheck(isTrusted: () => boolean): TrustCheck {
  return (action) => {
    if (!isTrusted()) throw new UntrustedWorkspaceError(action);
  };
}
