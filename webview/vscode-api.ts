// The webview's handle on VS Code: typed postMessage to the host and the state VS Code keeps for the
// panel across hiding and reloading (getState/setState).
import type { PanelView, SetupForm, TryResult, WebviewToHost } from './protocol';

export interface PlaygroundState {
  input: string;
  prompts: string[];
  ensemble: boolean;
  results?: TryResult[];
}

export interface PanelState {
  view: PanelView;
  selectedRunId?: string;
  form?: Partial<SetupForm>;
  playground: PlaygroundState;
  /** "Not now" on the native backend hint: not shown again in this panel. */
  nativeHintDismissed?: boolean;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

const initial: PanelState = { view: 'progress', playground: { input: '', prompts: [], ensemble: false } };

let state: PanelState = { ...initial, ...((api.getState() as Partial<PanelState> | undefined) ?? {}) };

export function getState(): PanelState {
  return state;
}

export function updateState(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  api.setState(state);
}
