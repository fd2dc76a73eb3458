// Side effect, and the CLI's first import: before the engine loads tfjs-core, every @tensorflow/*
// package is pointed at the native install of `prompt-tune backend install` — in
// $PROMPT_TUNER_NATIVE_DIR, else the user's cache folder — when it holds one, so that tfjs-node
// registers its backend on the engine's own tfjs-core (see core/native/resolution.ts).
import { defaultNativeDir } from '../core/native/install-record';
import { adoptNativeInstall } from '../core/native/resolution';

const { problem } = adoptNativeInstall(defaultNativeDir());
if (problem) process.stderr.write(`prompt-tune: the native backend is not used: ${problem}.\n`);
