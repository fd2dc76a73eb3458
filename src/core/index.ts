// The engine entry points most callers need; the worker, the CLI and the tests also import the layer
// modules directly (t5/, prompt/, training/, ...: docs/ARCHITECTURE.md draws the layers).
export { selectBackend, describeBackend, parseBackendRequest, type BackendInfo, type BackendRequest } from './backend';
export { loadT5, type LoadT5Options } from './t5/load';
export { T5Model, type PromptTensor, type Seq2SeqInput, type EncoderInput } from './t5/model';
export { parseT5Config, ConfigError, type T5Config } from './t5/config';
