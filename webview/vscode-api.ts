// The webview's handle on VS Code: requests to the host (answered by replies, see requests.ts) and
// the state VS Code keeps for the panel across hiding and reloading (getState/setState).
import type { FormValues, PanelView, SweepView, TryResult } from './protocol';
import { RequestClient } from './requests';

export interface PlaygroundState {
  input: string;
  prompts: string[];
  ensemble: boolean;
  /** The label map as typed (blank: none). */
  labelMap?: string;
  results?: TryResult[];
}

export interface PanelState {
  view: PanelView;
  selectedRunId?: string;
  form?: FormValues;
  playground: PlaygroundState;
  /** The sweep the Sweep tab shows, for the host to show again after a window reload. */
  sweep?: SweepView['source'];
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

/** Every request of the panel goes through this client; main.ts hands it the replies. */
export const requests = new RequestClient((message) => api.postMessage(message));

const initial: PanelState = { view: 'progress', playground: { input: '', prompts: [], ensemble: false } };

let state: PanelState = { ...initial, ...((api.getState() as Partial<PanelState> | undefined) ?? {}) };

export function getState(): PanelState {
  return state;
}

export function updateState(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  api.setState(state);
}
