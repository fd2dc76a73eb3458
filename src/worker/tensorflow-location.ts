// Side effect, and the worker's first import: before the engine loads tfjs-core, every @tensorflow/*
// package is pointed at the native install the host names in PROMPT_TUNER_NATIVE_DIR, so that
// tfjs-node registers its backend on the engine's own tfjs-core (see core/native/resolution.ts).
// Without a usable install the worker keeps its own TensorFlow.js and runs on wasm or cpu.
import { adoptNativeInstallFromEnv } from '../core/native/resolution';

const { problem } = adoptNativeInstallFromEnv();
if (problem) process.stderr.write(`The native backend is not used: ${problem}.\n`);
