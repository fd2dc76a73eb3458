// Finds the user's npm, which installs the native backend. It comes with Node.js; we never ship or
// download one. When it is nowhere to be found the error says where we looked and how to get it.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findIn, isFile, pathDirs, type SearchContext } from './find-executable';

export const NODE_DOWNLOAD_URL = 'https://nodejs.org/en/download';

export class NpmNotFoundError extends Error {
  constructor(readonly searched: string[]) {
    super(
      `npm was not found: the native backend is installed with npm, which comes with Node.js. Install Node.js (18 or newer) from ${NODE_DOWNLOAD_URL} ` +
        `or with your package manager, then try again; or point the promptTuner.npmPath setting (the CLI: PROMPT_TUNER_NPM) at npm. ` +
        `Looked in PATH and in ${searched.join(', ')}.`,
    );
  }
}

export interface NpmSearch extends SearchContext {
  home: string;
  /** The running Node's executable: npm usually sits next to it (not under Electron, whose binary is VS Code). */
  nodeExecutable?: string;
  /** Lists a folder's entries, newest-version folders picked from them (injected by the tests). */
  listDir?: (dir: string) => string[];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** "v20.11.1" > "v18.19.0": numeric comparison of dotted versions. */
function newestFirst(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  }
  return 0;
}

/** Where Node.js installers and version managers put npm, beyond PATH. */
export function usualNpmDirs(s: NpmSearch): string[] {
  const list = s.listDir ?? listDir;
  const dirs: string[] = [];
  if (s.nodeExecutable) dirs.push(dirname(s.nodeExecutable));
  if (s.platform === 'win32') {
    for (const base of [s.env.ProgramFiles, s.env['ProgramFiles(x86)'], s.env.LOCALAPPDATA && join(s.env.LOCALAPPDATA, 'Programs')]) {
      if (base) dirs.push(join(base, 'nodejs'));
    }
    if (s.env.NVM_SYMLINK) dirs.push(s.env.NVM_SYMLINK);
    if (s.env.APPDATA) dirs.push(join(s.env.APPDATA, 'npm'));
    return dirs;
  }
  const nvm = s.env.NVM_DIR ?? join(s.home, '.nvm');
  const nvmVersions = join(nvm, 'versions', 'node');
  dirs.push(...list(nvmVersions).sort(newestFirst).map((v) => join(nvmVersions, v, 'bin')));
  dirs.push(join(s.home, '.volta', 'bin'), join(s.home, '.local', 'share', 'fnm', 'aliases', 'default', 'bin'), join(s.home, '.asdf', 'shims'), join(s.home, 'n', 'bin'));
  dirs.push('/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/opt/local/bin', '/snap/bin');
  return dirs;
}

/**
 * The npm to run: `configured` when given (it must exist), else the first on PATH, else the first in
 * the usual places. Throws NpmNotFoundError listing where it looked.
 */
export function findNpm(s: NpmSearch, configured?: string): string {
  const exists = s.isFile ?? isFile;
  if (configured) {
    if (exists(configured)) return configured;
    throw new Error(`npm was not found at ${configured} (the promptTuner.npmPath setting or PROMPT_TUNER_NPM): point it at the npm executable, or clear it to search PATH.`);
  }
  const found = findIn('npm', pathDirs(s), s);
  if (found) return found;
  const usual = usualNpmDirs(s);
  const fallback = findIn('npm', usual, s);
  if (fallback) return fallback;
  throw new NpmNotFoundError(usual);
}

/** The search for this process: its environment, home folder and Node executable. */
export function currentNpmSearch(): NpmSearch {
  return {
    env: process.env,
    platform: process.platform,
    home: process.env.HOME ?? process.env.USERPROFILE ?? '',
    nodeExecutable: process.versions.electron ? undefined : process.execPath,
  };
}
